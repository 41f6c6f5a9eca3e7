import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every answer (@fastify/helmet): the web client's Content-Security-Policy allows its own
 * scripts, styles and sockets only (React sets inline styles through the DOM, which CSP does not block);
 * avatars may be any https image, and the app's own SVG backgrounds are data: URLs; media plays from the origin
 * and from blob: URLs (a recording before it is sent); the service worker and the manifest are the app's own.
 * No page may frame it.
 * HSTS only in production, where Papo is behind TLS (a browser remembers it for a year).
 */
export function securityHeaders(app: FastifyInstance, production: boolean): void {
  app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:', 'blob:'],
        // A voice note or video plays from the app's own bytes (blob:) before it is sent, then from /api/media.
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'"],
        // 'self' covers ws: and wss: to the same host (CSP Level 3).
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // The service worker (/sw.js) and the web app manifest, said outright rather than left to default-src.
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}
