import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

/**
 * A push endpoint a user gives (contract section 13): the server will POST to it, so it must not be a door into
 * the server's own network (SSRF). `https` on a public address; with `allowInsecure`
 * (PUSH_ALLOW_INSECURE_ENDPOINTS=1, development and tests, refused in production) `http`, loopback and private
 * addresses too. A name is checked here by its form only; the address it resolves to is checked again when a
 * push is sent (a name can be pointed anywhere after it was accepted).
 */
export function checkedEndpoint(raw: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('not a URL');
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) throw refused('not https');
  if (url.username || url.password) throw refused('credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const singleLabel = !host.includes('.') && !ipaddr.isValid(host);
  if (!allowInsecure && (host === 'localhost' || host.endsWith('.localhost') || singleLabel)) {
    throw refused('not a public host name');
  }
  if (ipaddr.isValid(host) && !allowInsecure && !isPublicAddress(host)) throw refused('not a public address');
  return url;
}

/** Whether an IP address is a public unicast one (not loopback, private, link-local, CGNAT, reserved…). */
export function isPublicAddress(address: string): boolean {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

function refused(why: string): AppError {
  return new AppError(
    'invalid_payload',
    `endpoint: ${why}. A push endpoint must be an https URL on a public address (PUSH_ALLOW_INSECURE_ENDPOINTS=1 allows others in development).`,
  );
}
