/**
 * Renders the phone's screen (phone-state.ts) into the page with one exhaustive switch. Every string that
 * came from a relay or a peer — names, ids, codes — is set as text (dom.ts), never as HTML.
 */
import type { CallSnapshot, ContactInfo } from '@leitung/client/browser';
import { button, h } from './dom.js';
import { duration, endedLine, qualityLine, shortId } from './format.js';
import type { Phone } from './phone.js';
import type { KeyAlarm, PhoneScreen } from './phone-state.js';

type PhonebookScreen = Extract<PhoneScreen, { kind: 'phonebook' }>;

export function mountView(root: HTMLElement, phone: Phone): void {
  let last = '';
  const render = () => {
    const screen = phone.screen;
    // Re-render only on a change: a form being typed into is not rebuilt under the user's fingers.
    const key = JSON.stringify(screen);
    if (key === last) return;
    last = key;
    root.replaceChildren(renderScreen(screen, phone));
  };
  // Changes are drawn after the task that made them, once for several: a protocol step (REGISTER after
  // `connection:state`, PROVE after the challenge) is sent before the screen is rebuilt, not after.
  let pending = false;
  phone.onChange(() => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      render();
    }, 0);
  });
  render();
}

function renderScreen(screen: PhoneScreen, phone: Phone): HTMLElement {
  switch (screen.kind) {
    case 'loading':
      return h('p', { class: 'status' }, 'Loading…');
    case 'first-run':
      return firstRunForm(phone, screen.problem);
    case 'unlock':
      return unlockForm(phone, screen.problem);
    case 'creating-key':
      return h(
        'section',
        { class: 'setup', 'aria-busy': 'true' },
        h('h1', {}, 'Creating your identity'),
        h('p', {}, 'Generating an RSA-4096 key in this page…'),
        h('progress', { 'aria-label': 'key generation' }),
        h('p', { class: 'status', id: 'keygen-elapsed' }, `${(screen.elapsedMs / 1000).toFixed(1)} s`),
      );
    case 'registering':
      return h(
        'section',
        { class: 'setup', 'aria-busy': 'true' },
        h('h1', {}, 'Registering'),
        h('p', {}, `Registering “${screen.name}” with the relay…`),
      );
    case 'phonebook':
      return phonebook(screen, phone);
    case 'failed':
      return h('p', { class: 'alarm', role: 'alert' }, screen.message);
  }
}

function firstRunForm(phone: Phone, problem: string | undefined): HTMLElement {
  const name = h('input', { id: 'name', name: 'name', autocomplete: 'username', required: '' });
  const pass = h('input', { id: 'passphrase', type: 'password', autocomplete: 'new-password', required: '' });
  const form = h(
    'form',
    { class: 'setup' },
    h('h1', {}, 'Welcome to Leitung'),
    h('p', {}, 'First run: choose a passphrase (it encrypts your key in this browser) and your name.'),
    h('label', { for: 'passphrase' }, 'Passphrase'),
    pass,
    h('label', { for: 'name' }, 'Your name'),
    name,
    problem !== undefined && h('p', { class: 'alarm', role: 'alert' }, problem),
    h('button', { type: 'submit' }, 'Create identity'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void phone.create((name as HTMLInputElement).value, (pass as HTMLInputElement).value);
  });
  return form;
}

function unlockForm(phone: Phone, problem: string | undefined): HTMLElement {
  const pass = h('input', { id: 'passphrase', type: 'password', autocomplete: 'current-password' });
  const form = h(
    'form',
    { class: 'setup' },
    h('h1', {}, 'Welcome back'),
    h('p', {}, 'Your identity is in this browser, encrypted under your passphrase.'),
    h('label', { for: 'passphrase' }, 'Passphrase'),
    pass,
    problem !== undefined && h('p', { class: 'alarm', role: 'alert' }, problem),
    h('button', { type: 'submit' }, 'Unlock'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void phone.unlock((pass as HTMLInputElement).value);
  });
  return form;
}

function phonebook(screen: PhonebookScreen, phone: Phone): HTMLElement {
  const inCall = screen.call !== undefined && screen.call.phase !== 'ended';
  return h(
    'main',
    {},
    h(
      'header',
      {},
      h('strong', {}, 'Leitung'),
      ` · you are ${screen.self.name} (${shortId(screen.self.clientId)}) · relay ${screen.relay} · `,
      h(
        'span',
        { class: screen.connected ? 'online' : 'offline', id: 'connection' },
        screen.connected ? '● connected' : '○ reconnecting',
      ),
    ),
    ...screen.alarms.map((a) => keyAlarm(a, phone)),
    screen.call === undefined ? undefined : callPanel(screen.call, screen, phone),
    h('h2', {}, `Contacts (${screen.contacts.length})`),
    h(
      'ul',
      { class: 'contacts', 'aria-label': 'contacts' },
      ...screen.contacts.map((c) => contactRow(c, phone, inCall)),
    ),
    screen.contacts.length === 0 &&
      h('p', { class: 'status' }, 'No one else is registered on this relay yet.'),
    screen.notice !== undefined && h('p', { class: 'notice', role: 'status' }, screen.notice),
  );
}

function contactRow(contact: ContactInfo, phone: Phone, inCall: boolean): HTMLElement {
  const mark = verificationMark(contact);
  return h(
    'li',
    { 'data-contact': contact.name },
    h(
      'span',
      { class: contact.online ? 'online' : 'offline', title: contact.online ? 'online' : 'offline' },
      contact.online ? '●' : '○',
    ),
    h('span', { class: 'name' }, contact.name),
    h('span', { class: `verification ${contact.verification}`, title: mark.title }, mark.text),
    h('code', {}, shortId(contact.clientId)),
    !inCall && contact.verification !== 'key-changed' && callButton(contact.name, phone),
  );
}

/** How long a pointer rests on a call button before the call's offer is prepared (ms): not one passing by. */
export const HOVER_INTENT_MS = 100;

/**
 * A contact's call button. A pointer resting on it or keyboard focus comes before the click: the offer is
 * signed then. Pressed, the key lookup goes out too, and the click — on release — finds both done
 * (docs/client.md "Offers prepared before the dial"). The dial is timed from the click event itself.
 */
function callButton(name: string, phone: Phone): HTMLElement {
  const element = button('Call', (event) => phone.call(name, event.timeStamp), {
    'aria-label': `Call ${name}`,
  });
  let resting: ReturnType<typeof setTimeout> | undefined;
  const settle = () => {
    clearTimeout(resting);
    resting = undefined;
  };
  element.addEventListener('pointerenter', () => {
    settle();
    resting = setTimeout(() => phone.prepareCall(name), HOVER_INTENT_MS);
  });
  element.addEventListener('pointerleave', settle);
  element.addEventListener('focus', () => phone.prepareCall(name));
  element.addEventListener('pointerdown', () => {
    settle();
    phone.prepareCall(name, { pressed: true });
  });
  return element;
}

function verificationMark(contact: ContactInfo): { text: string; title: string } {
  switch (contact.verification) {
    case 'verified':
      return { text: '✓ verified', title: 'key checked against the signed directory and pinned' };
    case 'unverified':
      return { text: '? not verified yet', title: 'seen in the phonebook; verified at the first call' };
    case 'key-changed':
      return { text: '⚠ KEY CHANGED', title: 'calls blocked: compare safety numbers' };
  }
}

function keyAlarm(alarm: KeyAlarm, phone: Phone): HTMLElement {
  const safety = phone.safetyNumber(alarm.name);
  return h(
    'section',
    { class: 'alarm', role: 'alert', 'data-alarm': alarm.name },
    h('h2', {}, `⚠ ${alarm.name} has a new key`),
    h(
      'p',
      {},
      `The directory shows another key (${shortId(alarm.newClientId)}) for ${alarm.name} than the one ` +
        `pinned (${shortId(alarm.pinnedClientId)}), not signed over by the pinned key. Calls with ` +
        `${alarm.name} are blocked. Compare safety numbers by another channel before accepting it.`,
    ),
    safety !== undefined && h('p', {}, 'Safety number: ', h('code', {}, safety)),
    button('Accept the new key', () => phone.acceptKey(alarm.name)),
  );
}

function callPanel(call: CallSnapshot, screen: PhonebookScreen, phone: Phone): HTMLElement {
  const now = Date.now();
  const panel = (title: string, ...rest: (Node | string | undefined | false)[]) =>
    h(
      'section',
      { class: 'call', 'data-phase': call.phase, 'aria-live': 'polite' },
      h('h2', {}, title),
      ...rest,
    );
  const safety = (n: string) => h('p', {}, 'Safety number ', h('code', { class: 'safety' }, n));
  switch (call.phase) {
    case 'dialing':
      return panel(
        `Calling ${call.target}…`,
        button('Hang up', () => phone.hangUp()),
      );
    case 'ringing':
      return call.direction === 'incoming'
        ? panel(
            `${call.peer.name} is calling`,
            safety(call.safetyNumber),
            button('Answer', () => phone.answer()),
            button('Reject', () => phone.reject()),
          )
        : panel(
            `Ringing ${call.peer.name}…`,
            safety(call.safetyNumber),
            button('Hang up', () => phone.hangUp()),
          );
    case 'connecting-media':
    case 'active':
    case 'reconnecting':
      return panel(
        `In call with ${call.peer.name} · ${duration(now - call.answeredAt)}`,
        h(
          'p',
          { class: 'status' },
          call.phase === 'reconnecting'
            ? `reconnecting (${call.cause})…`
            : call.phase === 'connecting-media'
              ? 'connecting audio…'
              : `audio ${call.audio}`,
        ),
        safety(call.safetyNumber),
        h('p', { class: 'quality', id: 'quality' }, qualityLine(screen.quality)),
        h('p', { class: 'status' }, call.keyExchange),
        button('Hang up', () => phone.hangUp()),
      );
    case 'ended':
      return panel(endedLine(call));
  }
}
