/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, uniq } from '../helpers/http.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { axeViolations } from './axe.js';
import {
  bubble,
  chatRow,
  launchBrowser,
  loginQuick,
  newUser,
  openApp,
  openDmWith,
  PHONE,
  screenshot,
  send,
  startWebServer,
  type User,
  uniqueName,
} from './browser.js';

/** A centred grey pill in the open conversation, by (part of) its text. */
function pill(page: Page, text: string) {
  return page.locator('.system-row .system-pill', { hasText: text });
}

/** The open group's info drawer. */
function drawer(page: Page) {
  return page.getByRole('complementary', { name: 'Group info' });
}

/** A member's row in the info drawer. */
function memberRow(page: Page, user: User) {
  return drawer(page).locator(`.member-row[data-user-id="${user.userId}"]`);
}

/** Picks an item of a member's menu in the info drawer. */
async function memberAction(page: Page, user: User, item: string): Promise<void> {
  await memberRow(page, user)
    .getByRole('button', { name: `Options for ${user.name}` })
    .click();
  await page.getByRole('menuitem', { name: item }).click();
}

async function openInfo(page: Page): Promise<void> {
  await page.locator('.conversation .title-button').click();
  await drawer(page).waitFor();
}

// Three people in three browser profiles (Carla on a phone): a private group made from contacts, seen by the
// others at once; system messages as pills; roles, adding and removing, the read-only conversation of the
// removed; an invite link opened in a new page (and by someone not logged in yet); leaving; blocking in a DM.
describe('private groups in the browser', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let browser: Browser;
  let ana: User;
  let bruno: User;
  let carla: User;
  const title = uniqueName('Família');
  /** The group's name after Ana renames it. */
  const renamed = uniqueName('Time');
  let inviteUrl = '';
  /** Carla's second page, where she joined back through the link. */
  let carlaPage: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startWebServer(), launchBrowser()]);
    [ana, bruno, carla] = await Promise.all([
      newUser(browser, server.url, 'Ana Souza'),
      newUser(browser, server.url, 'Bruno Lima'),
      newUser(browser, server.url, 'Carla Dias', PHONE),
    ]);
    // Bruno and Carla become Ana's contacts: she shares a DM with each.
    for (const peer of [bruno, carla]) {
      await openDmWith(ana, peer);
      await send(ana.page, `Oi ${peer.name}!`);
      // Stored (✓), and by then perhaps on the peer's device (grey ✓✓) or read.
      await bubble(ana.page, `Oi ${peer.name}!`).locator('[data-state="sent"], [data-state="delivered"]').waitFor();
    }
  });

  it('creates a group from contacts; the others see it at once, with the system messages as pills', async () => {
    const page = ana.page;
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByRole('heading', { name: 'Add group members' }).waitFor();
    for (const peer of [bruno, carla]) await page.locator(`.pick-row[data-user-id="${peer.userId}"]`).click();
    await page.getByRole('list', { name: 'Selected: 2' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'desktop-new-group');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Group name').fill(title);
    await page.getByLabel('Description (optional)').fill('Almoço de domingo e outras notícias');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create group' }).click();

    // Ana is in the new group, with its first system message.
    await page.getByRole('heading', { name: title, level: 2 }).waitFor();
    await pill(page, `You created the group “${title}”`).waitFor();

    // Bruno and Carla see it in their lists without reloading; a system message is not unread.
    for (const peer of [bruno, carla]) {
      const row = chatRow(peer.page, title);
      await row.locator('.chat-preview', { hasText: `Ana Souza created the group “${title}”` }).waitFor();
      expect(await row.locator('.badge').count()).toBe(0);
    }
    await chatRow(bruno.page, title).click();
    await pill(bruno.page, `Ana Souza created the group “${title}”`).waitFor();
    await bruno.page.getByTestId('conversation-status').filter({ hasText: 'Ana Souza, Carla Dias, You' }).waitFor();

    // Messages: the sender's name over others' bubbles, as in public chats.
    await send(page, 'Oi família!');
    await bubble(bruno.page, 'Oi família!').locator('.sender', { hasText: 'Ana Souza' }).waitFor();
    await chatRow(carla.page, title).locator('.badge', { hasText: '1' }).waitFor();
    await chatRow(carla.page, title).click();
    await bubble(carla.page, 'Oi família!').waitFor();
    await send(carla.page, 'Oi gente!');
    await bubble(page, 'Oi gente!').waitFor();

    // The new group flow on a phone (Carla's contacts: Ana).
    await carla.page.getByRole('button', { name: 'Back to chats' }).click();
    await carla.page.getByRole('button', { name: 'New chat' }).click();
    await carla.page.getByRole('button', { name: 'New group' }).click();
    await carla.page.locator(`.pick-row[data-user-id="${ana.userId}"]`).click();
    expect(await axeViolations(carla.page)).toEqual([]);
    await screenshot(carla.page, 'phone-new-group');
    await carla.page.getByRole('button', { name: 'Back', exact: true }).click();
    await chatRow(carla.page, title).click();
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('the info drawer: roles, an admin adds and removes, the removed keep a read-only conversation', async () => {
    const page = ana.page;
    await openInfo(page);
    await memberRow(page, ana).getByText('Group owner').waitFor();
    await drawer(page).getByText('Your role: Group owner').waitFor();
    await drawer(page).getByText('Almoço de domingo e outras notícias').waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Ana makes Bruno an admin: his badge, the pill on both sides, and his controls.
    await memberAction(page, bruno, 'Make group admin');
    await memberRow(page, bruno).getByText('Group admin').waitFor();
    await pill(page, 'You made Bruno Lima an admin').waitFor();
    await pill(bruno.page, 'Ana Souza made you an admin').waitFor();
    await screenshot(page, 'desktop-group-info');

    await openInfo(bruno.page);
    await drawer(bruno.page).getByText('Your role: Group admin').waitFor();
    // An admin may not remove the owner: no such item in Ana's menu.
    await memberRow(bruno.page, ana).getByRole('button', { name: 'Options for Ana Souza' }).click();
    await bruno.page.getByRole('menuitem', { name: 'Message Ana Souza' }).waitFor();
    expect(await bruno.page.getByRole('menuitem', { name: 'Remove Ana Souza' }).count()).toBe(0);
    await bruno.page.keyboard.press('Escape');

    // Bruno adds Dani, found by the exact e-mail she logs in with (they share no chat).
    const email = `${uniq('dani')}@example.com`;
    const asked = await api(server.url, '/api/login/code', { body: { email } });
    const dani = await api(server.url, '/api/login/verify', {
      body: { email, code: asked.body.dev_code, challenge_id: asked.body.challenge_id, username: 'Dani Rocha' },
    });
    expect(dani.status).toBe(200);
    await drawer(bruno.page).getByRole('button', { name: 'Add members' }).click();
    await bruno.page.getByRole('searchbox', { name: 'Search name, phone or e-mail' }).fill(email);
    await bruno.page.getByRole('button', { name: `Find ${email}` }).click();
    await bruno.page.locator(`.pick-row[data-user-id="${dani.body.user_id}"]`).click();
    expect(await axeViolations(bruno.page)).toEqual([]);
    await bruno.page.getByRole('button', { name: 'Add to group' }).click();
    await pill(bruno.page, 'You added Dani Rocha').waitFor();
    await pill(page, 'Bruno Lima added Dani Rocha').waitFor();
    await drawer(page).getByText('Group · 4 members').waitFor();

    // Bruno removes Carla (a plain member), after confirming.
    await drawer(bruno.page).locator(`.member-row[data-user-id="${carla.userId}"]`).waitFor();
    await memberAction(bruno.page, carla, 'Remove Carla Dias');
    const confirm = bruno.page.getByRole('alertdialog', { name: `Remove Carla Dias from “${title}”?` });
    expect(await axeViolations(bruno.page)).toEqual([]);
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await pill(page, 'Bruno Lima removed Carla Dias').waitFor();

    // Carla keeps what she had, read-only: no message box, a line saying why.
    await carla.page.getByTestId('composer-note').filter({ hasText: 'You were removed from this group' }).waitFor();
    await pill(carla.page, 'Bruno Lima removed you').waitFor();
    await bubble(carla.page, 'Oi família!').waitFor();
    expect(await carla.page.getByLabel('Type a message').count()).toBe(0);
    await screenshot(carla.page, 'phone-group-removed');
    // Nothing sent in the group after her removal reaches her.
    await send(page, 'Depois da Carla');
    await bubble(bruno.page, 'Depois da Carla').waitFor();
    expect(await bubble(carla.page, 'Depois da Carla').count()).toBe(0);
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('an invite link: created with an expiry and uses, opened in a new page, joined; used up, it is invalid', async () => {
    const page = ana.page;
    await drawer(page).getByRole('button', { name: 'Invite via link' }).click();
    await page.getByLabel('Link expires after').selectOption({ label: '1 day' });
    await page.getByLabel('Maximum uses (optional)').fill('2');
    await page.getByRole('button', { name: 'Create link' }).click();
    const link = page.locator('.invite-row .invite-link');
    await link.waitFor();
    inviteUrl = await link.inputValue();
    expect(inviteUrl).toMatch(new RegExp(`^${server.url}/#/invite/[A-Za-z0-9_-]{16,}$`));
    await page.locator('.invite-row', { hasText: 'Used 0 of 2 times' }).waitFor();
    await ana.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText('Link copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(inviteUrl);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'desktop-group-invites');

    // Carla (removed) opens it in a new page: the preview card, then Join; the group opens, writable again.
    carlaPage = await carla.context.newPage();
    await carlaPage.goto(inviteUrl);
    const card = carlaPage.getByRole('dialog', { name: title });
    await card.getByText('3 members').waitFor();
    await card.getByText('Almoço de domingo e outras notícias').waitFor();
    expect(await axeViolations(carlaPage)).toEqual([]);
    await screenshot(carlaPage, 'phone-invite-card');
    await card.getByRole('button', { name: 'Join group' }).click();
    await carlaPage.getByRole('heading', { name: title, level: 2 }).waitFor();
    await pill(carlaPage, 'You joined using an invite link').waitFor();
    await carlaPage.getByLabel('Type a message').waitFor();
    expect(new URL(carlaPage.url()).hash).toMatch(/^#\/chat\//);
    await pill(page, 'Carla Dias joined using an invite link').waitFor();
    await page.locator('.invite-row', { hasText: 'Used 1 of 2 times' }).getByText('Carla Dias').waitFor();

    // Someone not logged in yet: the login first (it says why), then the card, then the group.
    const edu = await openApp(browser, server.url, 'Edu Martins');
    await edu.page.goto(inviteUrl);
    await edu.page.getByText('Log in to see the group you were invited to.').waitFor();
    await loginQuick(edu);
    const eduCard = edu.page.getByRole('dialog', { name: title });
    await eduCard.getByText('4 members').waitFor();
    expect(await axeViolations(edu.page)).toEqual([]);
    await screenshot(edu.page, 'desktop-invite-card');
    await eduCard.getByRole('button', { name: 'Join group' }).click();
    await edu.page.getByRole('heading', { name: title, level: 2 }).waitFor();

    // Two uses of two: the link is gone from the live ones, and opening it says it is no longer valid.
    await page.locator('.invite-row').waitFor({ state: 'detached' });
    const brunoPage = await bruno.context.newPage();
    await brunoPage.goto(inviteUrl);
    await brunoPage.getByRole('dialog', { name: 'This invite link is no longer valid' }).waitFor();
    await brunoPage.getByRole('button', { name: 'Close' }).click();
    await brunoPage.getByRole('dialog').waitFor({ state: 'detached' });
    expect(new URL(brunoPage.url()).hash).toBe('');
    await brunoPage.close();

    // Edu leaves, after confirming: the conversation stays, read-only.
    await edu.page.getByRole('button', { name: 'Chat options' }).click();
    await edu.page.getByRole('menuitem', { name: 'Leave group' }).click();
    await edu.page
      .getByRole('alertdialog', { name: `Leave “${title}”?` })
      .getByRole('button', { name: 'Leave group' })
      .click();
    await edu.page.getByTestId('composer-note').filter({ hasText: 'You left this group' }).waitFor();
    await pill(page, 'Edu Martins left').waitFor();
    expect(await pill(edu.page, 'You left').count()).toBe(1);
    expect([ana, bruno, carla, edu].flatMap((u) => u.errors)).toEqual([]);
  });

  it('renames the group everywhere at once; hands it over; the phone layout of the drawer', async () => {
    const page = ana.page;
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await drawer(page).getByRole('button', { name: 'Edit group name' }).click();
    await drawer(page).getByLabel('Group name').fill(renamed);
    await drawer(page).getByRole('button', { name: 'Save' }).click();
    await pill(page, `You changed the group name to “${renamed}”`).waitFor();
    // Bruno's header and list change without a reload.
    await bruno.page.getByRole('heading', { name: renamed, level: 2 }).waitFor();
    await chatRow(bruno.page, renamed).waitFor();
    await pill(bruno.page, `Ana Souza changed the group name to “${renamed}”`).waitFor();

    // Ana hands the group over to Bruno: she becomes an admin, the badges and controls follow.
    await memberAction(page, bruno, 'Make group owner');
    await page
      .getByRole('alertdialog', { name: 'Make Bruno Lima the group owner?' })
      .getByRole('button', { name: 'Make owner' })
      .click();
    await memberRow(page, bruno).getByText('Group owner').waitFor();
    await drawer(page).getByText('Your role: Group admin').waitFor();
    await pill(bruno.page, 'You are now the group owner').waitFor();
    await memberRow(bruno.page, ana).getByText('Group admin').waitFor();

    // Carla, on a phone: the info drawer is a screen of its own.
    const phone = carlaPage;
    await openInfo(phone);
    await drawer(phone).getByText('Your role: Member').waitFor();
    expect(await axeViolations(phone)).toEqual([]);
    await screenshot(phone, 'phone-group-info');
    // Escape closes it, and focus goes back to the title that opened it.
    await phone.getByRole('button', { name: 'Close group info' }).waitFor();
    await phone.keyboard.press('Escape');
    await drawer(phone).waitFor({ state: 'detached' });
    await phone.waitForFunction(() => document.activeElement?.classList.contains('title-button'));
    await screenshot(phone, 'phone-group');
    expect([ana, bruno, carla].flatMap((u) => u.errors)).toEqual([]);
  });

  it('speaks Brazilian Portuguese: the invite card, the pills, the removal', async () => {
    const page = ana.page;
    await drawer(page).getByRole('button', { name: 'Invite via link' }).click();
    await page.getByRole('button', { name: 'Create link' }).click();
    const link = await page.locator('.invite-row .invite-link').first().inputValue();
    await page.getByRole('button', { name: 'Back', exact: true }).click();

    const gabi = await openApp(browser, server.url, 'Gabi Nunes', PHONE, 'pt-BR');
    await gabi.page.goto(link);
    await gabi.page.getByText('Entre para ver o grupo para o qual você foi convidado.').waitFor();
    await gabi.page.getByLabel('Seu nome').fill(gabi.name);
    await gabi.page.getByRole('button', { name: 'Começar a conversar' }).click();
    gabi.userId = '';
    const card = gabi.page.getByRole('dialog');
    await card.getByText('Convite para grupo').waitFor();
    expect(await axeViolations(gabi.page)).toEqual([]);
    await card.getByRole('button', { name: 'Entrar no grupo' }).click();
    await pill(gabi.page, 'Você entrou usando um link de convite').waitFor();
    await gabi.page.getByTestId('conversation-status').filter({ hasText: ', Você' }).waitFor();
    gabi.userId = await gabi.page.evaluate(() => JSON.parse(localStorage.getItem('papo:session') ?? '{}').user_id);

    await pill(page, 'Gabi Nunes joined using an invite link').waitFor();
    await memberAction(page, gabi, 'Remove Gabi Nunes');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await pill(gabi.page, 'Ana Souza removeu você').waitFor();
    await gabi.page.getByTestId('composer-note').filter({ hasText: 'Você foi removido(a) deste grupo' }).waitFor();
    expect(gabi.errors).toEqual([]);
  });

  it('blocks and unblocks from a DM’s menu and from a group’s member list', async () => {
    const page = ana.page;
    await chatRow(page, bruno.name).click();
    await page.getByRole('heading', { name: bruno.name, level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Block Bruno Lima' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Block Bruno Lima?' });
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Block' }).click();
    await page.getByTestId('composer-note').filter({ hasText: 'You blocked Bruno Lima.' }).waitFor();
    const blocks = await api(server.url, '/api/blocks', { token: await token(page) });
    expect(blocks.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([bruno.userId]);

    // Bruno's message in the DM is refused.
    await chatRow(bruno.page, ana.name).click();
    await send(bruno.page, 'Ana?');
    await bubble(bruno.page, 'Ana?').locator('.failed-actions', { hasText: 'Not sent' }).waitFor();

    // Unblocking from the line under the conversation brings the message box back.
    await page.getByTestId('composer-note').getByRole('button', { name: 'Unblock' }).click();
    await page.getByLabel('Type a message').waitFor();
    await page.getByRole('button', { name: 'Chat options' }).click();
    await page.getByRole('menuitem', { name: 'Block Bruno Lima' }).waitFor();
    await page.keyboard.press('Escape');

    // From the group's member list too: his row says so, and his menu offers to unblock.
    await chatRow(page, renamed).click();
    await openInfo(page);
    await memberAction(page, bruno, 'Block Bruno Lima');
    await page.getByRole('alertdialog', { name: 'Block Bruno Lima?' }).getByRole('button', { name: 'Block' }).click();
    await memberRow(page, bruno).locator('.person-sub', { hasText: 'blocked' }).waitFor();
    await memberAction(page, bruno, 'Unblock Bruno Lima');
    await memberRow(page, bruno).locator('.person-sub', { hasText: 'online' }).waitFor();
    expect(ana.errors).toEqual([]);
  });
});

async function token(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('papo:session') ?? '{}').token as string);
}
