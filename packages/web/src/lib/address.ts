const PHONE = /^\+[1-9][0-9]{7,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type Address = { phone: string } | { email: string };

/** A phone or e-mail as typed (phones with spaces, dashes and brackets) in the form the server wants (E.164). */
export function parseAddress(text: string): Address | undefined {
  const trimmed = text.trim();
  if (trimmed.includes('@')) return EMAIL.test(trimmed) ? { email: trimmed } : undefined;
  const phone = trimmed.replace(/[\s().-]/g, '');
  return PHONE.test(phone) ? { phone } : undefined;
}

export function addressText(address: Address): string {
  return 'phone' in address ? address.phone : address.email;
}
