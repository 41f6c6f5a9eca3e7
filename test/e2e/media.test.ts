/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers/server-process.js';
import { axeViolations } from './axe.js';
import {
  chatRow,
  DESKTOP,
  FAKE_MEDIA_DEVICES,
  launchBrowser,
  newUser,
  openDmWith,
  PHONE,
  screenshot,
  startWebServer,
  type User,
  uniqueName,
} from './browser.js';

/** Polls wait as long as locators do: pictures and sounds load over the network. */
const WAIT = { timeout: 15_000 };

/** A photo-like PNG: a sky, a sun and a hill (something to see in the screenshots). */
function landscape(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#4aa3df"/><stop offset="1" stop-color="#bfe3f7"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * 0.75}" cy="${height * 0.3}" r="${height * 0.12}" fill="#ffd34d"/>
    <ellipse cx="${width * 0.3}" cy="${height}" rx="${width * 0.7}" ry="${height * 0.45}" fill="#3f9b4a"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

// Two people in a DM: Ana sends a photo with a caption, a document and a voice note recorded from Chromium's
// fake microphone; Bia, on a phone, sees the photo (loaded), the file's card and the voice note's player.
describe('photos, files and voice notes in the browser', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bia: User;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser(FAKE_MEDIA_DEVICES)]);
    [ana, bia] = await Promise.all([
      newUser(browser, server.url, uniqueName('Ana'), DESKTOP),
      newUser(browser, server.url, uniqueName('Bia'), PHONE),
    ]);
    await ana.context.grantPermissions(['microphone']);
  });
  afterAll(() => server.stop());

  it('sends a photo with a caption: a preview first, then a bubble sized before it loads', async () => {
    const page = ana.page;
    await openDmWith(ana, bia);
    await page
      .getByTestId('attach-photos')
      .setInputFiles({ name: 'beach.png', mimeType: 'image/png', buffer: await landscape(1200, 800) });
    const preview = page.getByTestId('media-preview');
    await preview.waitFor();
    await preview.getByLabel('Add a caption').fill('Praia hoje 🌊');
    await screenshot(page, 'desktop-media-preview');
    expect(await axeViolations(page)).toEqual([]);
    await preview.getByLabel('Add a caption').press('Enter');
    await preview.waitFor({ state: 'detached' });

    const sent = page.locator('.message-row.own').filter({ has: page.getByTestId('media-image') });
    await sent.locator('.body', { hasText: 'Praia hoje' }).waitFor();
    // Stored (it has an id), and drawn at the picture's aspect ratio (3:2) before and after it loaded.
    await sent.locator('[data-message-id]').or(page.locator('.message-row.own[data-message-id]')).first().waitFor();
    const box = await sent.getByTestId('media-image').boundingBox();
    expect(box && Math.abs(box.width / box.height - 1.5)).toBeLessThan(0.02);
  });

  it('sends a document as a file card with its name and size', async () => {
    const page = ana.page;
    await page.getByTestId('attach-document').setInputFiles({
      name: 'lista-de-compras.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('arroz\nfeijão\ncafé\n'.repeat(40)),
    });
    const preview = page.getByTestId('media-preview');
    await preview.getByText('lista-de-compras.txt').first().waitFor();
    await preview.getByLabel('Add a caption').press('Enter');
    const card = page.locator('.message-row.own[data-message-id]').getByTestId('file-card');
    await card.getByText('lista-de-compras.txt').waitFor();
    expect(await card.locator('.file-facts').textContent()).toMatch(/TXT · \d/);
  });

  it('opens the preview for files dropped on the conversation; Escape there cancels, sending nothing', async () => {
    const page = ana.page;
    const sentBefore = await page.locator('.message-row.own').count();
    const conversation = page.locator('section.conversation');
    const dataTransfer = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['%PDF-1.4\n'], 'contrato.pdf', { type: 'application/pdf' }));
      return data;
    });
    await conversation.dispatchEvent('dragover', { dataTransfer });
    await page.getByText('Drop files here to send them').waitFor();
    await conversation.dispatchEvent('drop', { dataTransfer });
    const preview = page.getByTestId('media-preview');
    await preview.getByText('contrato.pdf').first().waitFor();
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached' });
    expect(await page.getByText('Drop files here to send them').count()).toBe(0);
    expect(await page.locator('.message-row.own').count()).toBe(sentBefore);
  });

  it('records a voice note while the microphone button is held, and sends it on release', async () => {
    const page = ana.page;
    const mic = page.getByTestId('mic-button');
    await mic.hover();
    await page.mouse.down();
    const timer = page.getByTestId('voice-recording').getByRole('timer');
    await expect.poll(() => timer.textContent(), WAIT).toBe('0:02');
    await screenshot(page, 'desktop-media-recording');
    await page.mouse.up();
    await page.getByTestId('voice-recording').waitFor({ state: 'detached' });
    const voice = page.locator('.message-row.own[data-message-id]').getByTestId('voice-player');
    await voice.waitFor();
    await screenshot(page, 'desktop-media-conversation');
  });

  it('shows the other side the photo, the file card and the voice note with its length', async () => {
    const page = bia.page;
    await chatRow(page, ana.name).click();
    const image = page.locator('.message-row.other').getByTestId('media-image').locator('img.media-image');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), WAIT)
      .toBe(1200);
    await page.locator('.message-row.other').getByTestId('file-card').getByText('lista-de-compras.txt').waitFor();
    const duration = page.locator('.message-row.other').getByTestId('voice-duration');
    await expect.poll(() => duration.textContent(), WAIT).toMatch(/^0:0[1-3]$/);
    await screenshot(page, 'phone-media-conversation');
    expect(await axeViolations(page)).toEqual([]);

    // The voice note plays: its position moves.
    await page.locator('.message-row.other').getByRole('button', { name: 'Play' }).click();
    await page.locator('.message-row.other').getByRole('button', { name: 'Pause' }).waitFor();

    // The photo opens full screen, and Escape closes it.
    await page.locator('.message-row.other').getByRole('button', { name: 'Open photo' }).click();
    const viewer = page.getByTestId('media-viewer');
    await viewer.getByRole('img', { name: 'Praia hoje 🌊' }).waitFor();
    await expect
      .poll(() => viewer.locator('figure img').evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT)
      .toBe(1200);
    await screenshot(page, 'phone-media-viewer');
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
  });

  it('sends a pasted picture from a phone; the viewer goes between the chat’s photos by keys', async () => {
    const png = (await landscape(600, 900)).toString('base64');
    const box = bia.page.getByLabel('Type a message');
    await box.focus();
    // A paste with an image in the clipboard, as a screenshot tool leaves it.
    await box.evaluate((textarea, base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, png);
    const preview = bia.page.getByTestId('media-preview');
    await preview.getByLabel('Add a caption').fill('Vista do quarto');
    await screenshot(bia.page, 'phone-media-preview');
    await preview.getByRole('button', { name: 'Send' }).click();
    await bia.page.locator('.message-row.own[data-message-id]').getByTestId('media-image').waitFor();

    const page = ana.page;
    const portrait = page.locator('.message-row.other').getByTestId('media-image');
    await portrait.locator('img.media-image.loaded').waitFor();
    await portrait.click();
    const viewer = page.getByTestId('media-viewer');
    await viewer.getByText('2 of 2').waitFor();
    await page.keyboard.press('ArrowLeft');
    await viewer.getByText('1 of 2').waitFor();
    await expect
      .poll(() => viewer.locator('figure img').evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT)
      .toBe(1200);
    await screenshot(page, 'desktop-media-viewer');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('ArrowRight');
    await viewer.getByText('2 of 2').waitFor();
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
  });

  it('cancels a held recording when the pointer slides left, sending nothing', async () => {
    const page = ana.page;
    const voices = page.locator('.message-row.own').getByTestId('voice-player');
    const before = await voices.count();
    const mic = page.getByTestId('mic-button');
    const box = (await mic.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    const timer = page.getByTestId('voice-recording').getByRole('timer');
    await expect.poll(() => timer.textContent(), WAIT).toBe('0:01');
    await page.mouse.move(box.x - 160, box.y + box.height / 2, { steps: 8 });
    await page.getByTestId('voice-recording').waitFor({ state: 'detached' });
    await page.mouse.up();
    expect(await voices.count()).toBe(before);
  });

  it('records a voice note by keyboard: press to start, press again to send; Escape cancels', async () => {
    const page = ana.page;
    const mic = page.getByTestId('mic-button');
    const before = await page.locator('.message-row.own[data-message-id]').getByTestId('voice-player').count();
    await mic.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('voice-recording').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('voice-recording').waitFor({ state: 'detached' });

    await mic.focus();
    await page.keyboard.press('Enter');
    const timer = page.getByTestId('voice-recording').getByRole('timer');
    await expect.poll(() => timer.textContent(), WAIT).toBe('0:01');
    await page.keyboard.press('Enter');
    await page.locator('.message-row.own[data-message-id]').getByTestId('voice-player').nth(before).waitFor();
  });

  it('sends a video recorded from the fake camera; the other side can play it', async () => {
    const page = ana.page;
    await ana.context.grantPermissions(['microphone', 'camera']);
    // A second and a half of Chromium's test pattern, recorded in the page as a camera app would.
    const base64 = await page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      const stopped = new Promise((resolve) => {
        recorder.onstop = resolve;
      });
      recorder.start(250);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      recorder.stop();
      await stopped;
      for (const track of stream.getTracks()) track.stop();
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary);
    });
    await page
      .getByTestId('attach-photos')
      .setInputFiles({ name: 'clip.webm', mimeType: 'video/webm', buffer: Buffer.from(base64, 'base64') });
    await page.getByTestId('media-preview').getByLabel('Add a caption').fill('Olha o teste');
    await page.getByTestId('media-preview').getByLabel('Add a caption').press('Enter');
    await page.locator('.message-row.own[data-message-id]').getByTestId('media-video').waitFor();

    const video = bia.page.locator('.message-row.other').getByTestId('media-video').locator('video');
    await expect.poll(() => video.getAttribute('src'), WAIT).toMatch(/\/api\/media\/m_.*sig=/);
    await video.evaluate((element: HTMLVideoElement) => element.load());
    await expect.poll(() => video.evaluate((element: HTMLVideoElement) => element.readyState), WAIT).toBeGreaterThan(0);
    expect(await video.evaluate((element: HTMLVideoElement) => element.videoWidth)).toBe(320);
    await screenshot(bia.page, 'phone-media-video');
  });

  it('shows an upload’s progress with a cancel button, and cancelling it leaves nothing', async () => {
    const page = ana.page;
    const uploads = (url: URL) => url.pathname === '/api/media';
    const held: Array<() => Promise<void>> = [];
    await page.route(uploads, (route) => void held.push(() => route.abort()));
    await page
      .getByTestId('attach-photos')
      .setInputFiles({ name: 'pôr-do-sol.png', mimeType: 'image/png', buffer: await landscape(800, 800) });
    await page.getByTestId('media-preview').getByLabel('Add a caption').press('Enter');
    const uploading = page.locator('.message-row.own').filter({ has: page.getByTestId('upload-progress') });
    await uploading.getByRole('progressbar').waitFor();
    await uploading.locator('img.media-image.loaded').waitFor();
    await screenshot(page, 'desktop-media-uploading');
    await uploading.getByRole('button', { name: 'Cancel upload' }).click();
    await uploading.waitFor({ state: 'detached' });
    for (const release of held) await release().catch(() => {});
    await page.unroute(uploads);
    expect(await page.getByTestId('upload-progress').count()).toBe(0);

    // Sent again without a caption: the time goes over the picture, as WhatsApp draws it.
    await page
      .getByTestId('attach-photos')
      .setInputFiles({ name: 'pôr-do-sol.png', mimeType: 'image/png', buffer: await landscape(800, 800) });
    await page.getByTestId('media-preview').getByLabel('Add a caption').press('Enter');
    const last = page.locator('.message-row').last();
    await last.and(page.locator('[data-message-id]')).getByTestId('media-image').locator('img.loaded').waitFor();
    await screenshot(page, 'desktop-media-photo');
  });

  it('keeps a file whose upload failed across a reload, and sends it on retry', async () => {
    const page = ana.page;
    const uploads = (url: URL) => url.pathname === '/api/media';
    await page.route(uploads, (route) => route.abort());
    await page.getByTestId('attach-document').setInputFiles({
      name: 'recibo.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('R$ 42,00\n'),
    });
    await page.getByTestId('media-preview').getByLabel('Add a caption').press('Enter');
    const failed = page.locator('.message-row.own:not([data-message-id])').filter({ hasText: 'recibo.txt' });
    await failed.locator('.failed-actions').getByText('Not sent').waitFor();
    await page.unroute(uploads);

    // The bytes wait in IndexedDB: after a reload the entry is there still, and Retry uploads and sends it.
    await page.reload();
    await failed.locator('.failed-actions').getByText('Not sent').waitFor();
    await failed.getByRole('button', { name: 'Retry' }).click();
    await page.locator('.message-row.own[data-message-id]').getByTestId('file-card').getByText('recibo.txt').waitFor();
    await bia.page.locator('.message-row.other').getByTestId('file-card').getByText('recibo.txt').waitFor();
  });

  it('sets a profile picture cropped square, which the other side sees', async () => {
    const page = ana.page;
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await page.getByTestId('avatar-file').setInputFiles({
      name: 'me.png',
      mimeType: 'image/png',
      buffer: await landscape(900, 600),
    });
    const cropper = page.getByRole('dialog', { name: 'Crop the photo' });
    await cropper.waitFor();
    // By keyboard: zoom in twice, move right.
    const view = cropper.getByRole('img', { name: 'Crop the photo' });
    await view.focus();
    await view.press('+');
    await view.press('+');
    await view.press('ArrowRight');
    await screenshot(page, 'desktop-media-avatar-crop');
    expect(await axeViolations(page)).toEqual([]);
    await cropper.getByRole('button', { name: 'Use this photo' }).click();
    await cropper.waitFor({ state: 'detached' });

    const mine = page.locator('.profile-picture .avatar img');
    await expect.poll(() => mine.evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT).toBe(640);
    const src = (await mine.getAttribute('src')) ?? '';
    expect(src).toMatch(/^\/api\/media\/m_/);
    // Anyone may see a profile picture: no token needed.
    const anonymous = await fetch(`${server.url}${src}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('content-type')).toBe('image/jpeg');

    await bia.page.reload();
    // The reload brings the open conversation back.
    await bia.page.getByRole('heading', { name: ana.name, level: 2 }).waitFor();
    const peer = bia.page.locator('.conversation-header .avatar img');
    await expect.poll(() => peer.evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT).toBe(640);
    await expect.poll(() => bia.page.locator('img.media-image:not(.loaded)').count(), WAIT).toBe(0);
    await screenshot(bia.page, 'phone-media-avatar');
  });

  it('gives a group a picture (its admin), which its members see in their list', async () => {
    const page = ana.page;
    const title = uniqueName('Praia');
    await page.locator('.settings-panel').getByRole('button', { name: 'Back', exact: true }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'New group' }).click();
    await page.locator(`.pick-row[data-user-id="${bia.userId}"]`).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Group name').fill(title);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('heading', { name: title, level: 2 }).waitFor();

    await page.locator('.conversation .title-button').click();
    const drawer = page.locator('.info-drawer');
    await drawer
      .getByTestId('avatar-file')
      .setInputFiles({ name: 'grupo.png', mimeType: 'image/png', buffer: await landscape(640, 640) });
    await page.getByRole('dialog', { name: 'Crop the photo' }).getByRole('button', { name: 'Use this photo' }).click();
    const picture = drawer.locator('.info-top .avatar img');
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT).toBe(640);
    await page.locator('.system-pill', { hasText: 'You changed the group picture' }).waitFor();

    await bia.page.getByRole('button', { name: 'Back to chats' }).click();
    const row = chatRow(bia.page, title);
    await expect
      .poll(() => row.locator('.avatar img').evaluate((img: HTMLImageElement) => img.naturalWidth), WAIT)
      .toBe(640);

    expect(ana.errors).toEqual([]);
    expect(bia.errors).toEqual([]);
    expect([...ana.cspViolations, ...bia.cspViolations]).toEqual([]);
  });
});
