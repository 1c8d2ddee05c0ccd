// The Cutover console: lists the runtime's executions and follows one (states, traffic weights, analysis
// verdicts, notifications), with approve / reject / abort. Text is always set as text, never parsed as HTML.

/** How long after an answer the page asks again, while there is anything new to see. */
const POLL_MS = 1000;
/** How long a request waits for its answer before the page takes cutover local for not answering. */
const REQUEST_TIMEOUT_MS = 10_000;
/** What an action says when cutover local did not answer it in time. */
const UNANSWERED_ACTION = 'no answer from cutover local; it may still have been done, as this page will show';
/**
 * What an action says when the connection for it was refused, and so was the page's next request: most
 * likely nothing took it (a browser cannot tell a refused connection from one dropped after the action).
 */
const REFUSED_ACTION =
  'cutover local is not running: the action most likely was not taken; try again once it is back';
/** How long a first click on Reject or Abort waits for the confirming second one. */
const CONFIRM_MS = 4000;
/**
 * How long after the first click a second one does not confirm: the second click of a double-click, or a
 * held key's repeat, lands on the armed button and would otherwise send at once.
 */
const CONFIRM_GUARD_MS = 600;
/** How often the durations of running executions count up. */
const TICK_MS = 1000;
/**
 * The longest comment the release API takes, in characters: the comment field is sent as an approval's
 * `comment` or a rejection's `reason`, each at most 1000 (`APPROVE_BODY_SCHEMA`, `REJECT_BODY_SCHEMA`).
 */
const COMMENT_MAX_LENGTH = 1000;
/** The longest abort reason, in characters: it becomes StopExecution's cause (`ABORT_BODY_SCHEMA`). */
const REASON_MAX_LENGTH = 32_768;

const view = document.getElementById('view');
const banner = document.getElementById('unreachable');
/**
 * The status line: what a first click on Reject or Abort asks for, then the last action's outcome
 * (`Approve: done`, or the error), kept until the next action or navigation. A polite live region; the
 * banner and an error shown in place of the page are alerts, and the rest of the page is not announced.
 */
const outcome = el('p', { id: 'outcome', class: 'outcome', role: 'status', tabindex: '-1' });
/** What the user typed in the action fields, kept across re-renders. */
const drafts = { comment: '', reason: '' };
/** The execution page shown: its id and the detail last drawn (re-drawn as actions change state). */
let current;
/** The action whose request is in flight: every action button does nothing meanwhile. */
let busy;
/** The action (`reject` or `abort`) a first click armed; a second click sends it. */
let armed;
/** What `armed` was armed for (see {@link armedTarget}), and when (`performance.now()`). */
let armedFor;
let armedAt;
let disarmTimer;
let pollTimer;
/** Bumped on every navigation: an answer for the page left behind is not drawn, and its polling ends. */
let generation = 0;
/**
 * Set by following a link: the first page drawn after it takes the keyboard focus to its heading, or, on the
 * list, to the link of the execution `from` whose page was left.
 */
let focusOnDraw;
/** Whether the last refresh got no answer because the connection was refused: cutover local is down. */
let refused = false;
/** The action that failed as {@link REFUSED_ACTION}: its outcome goes once the page shows it can be done again. */
let refusedAction;
/** Requests are numbered: an answer older than the one drawn last (a poll sent before an action) is dropped. */
let asked = 0;
let drawn = 0;
let shown = '';

/** An element with attributes, event handlers (`on<event>`) and children (strings become text). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/**
 * The JSON answer; throws an error with the answer's `status`, or `unreachable` when nothing answered:
 * `timedOut` when not within {@link REQUEST_TIMEOUT_MS}, otherwise the connection failed (refused, or
 * dropped: a browser does not say which).
 */
async function api(path, body) {
  let response;
  let text;
  try {
    response = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw Object.assign(new Error('cutover local is not answering'), {
      unreachable: true,
      timedOut: error.name === 'TimeoutError',
    });
  }
  let json = {};
  try {
    json = JSON.parse(text);
  } catch {}
  if (!response.ok) {
    throw Object.assign(new Error(json.message ?? `${response.status} ${response.statusText}`), {
      status: response.status,
    });
  }
  return json;
}

/** The text with each part between backticks as code. */
function withCode(text) {
  return text.split('`').map((part, index) => (index % 2 === 1 ? el('code', {}, part) : part));
}

/**
 * The instant `ms` (epoch milliseconds) as a `<time>`: its local time of day, with the date when that is
 * not today, and the ISO instant in full as its `datetime` and its title; then its zone, unless that is
 * `named`, the zone the page already names for it (in a table's heading, or as the execution's start's).
 */
function instant(ms, named) {
  if (!ms) return '';
  const at = new Date(ms);
  const day = at.toDateString() === new Date().toDateString() ? '' : `${at.toLocaleDateString()} `;
  const iso = at.toISOString();
  const zone = zoneAt(ms);
  return [
    el('time', { datetime: iso, title: iso }, `${day}${at.toLocaleTimeString()}`),
    zone === named ? '' : ` (${zone})`,
  ];
}

/**
 * The zone the page's times are in at the instant `ms`, as its offset from UTC then: `UTC+01:00`, in Berlin
 * in winter (`UTC+02:00` in summer).
 */
function zoneAt(ms) {
  const offset = -new Date(ms).getTimezoneOffset();
  const pad = (value) => String(Math.floor(value)).padStart(2, '0');
  return `UTC${offset < 0 ? '-' : '+'}${pad(Math.abs(offset) / 60)}:${pad(Math.abs(offset) % 60)}`;
}

/** When an unanswered approval times out, and what follows (`approval.onTimeout`; rollback unless it says continue). */
function approvalDeadline(at, onTimeout) {
  return el(
    'p',
    { class: 'muted', 'data-approval-deadline': '' },
    'Unanswered, the approval times out at ',
    instant(at),
    onTimeout === 'continue' ? ' and the release goes on.' : ' and the release rolls back.',
  );
}

/** A duration as `42s`, `3m 7s` or `1h 15m 3s`. */
function duration(start, stop) {
  if (!start) return '';
  const seconds = Math.max(0, Math.round((stop ? stop : Date.now() / 1000) - start));
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60];
  if (h > 0) return `${h}h ${m}m ${s}s`;
  return m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/**
 * How long an execution ran, or has been running: a running one (no `stop`) counts up every second in
 * place (see {@link tick}), while the rest of the page is redrawn only when what it shows changes.
 */
function elapsed(start, stop) {
  return el('span', { 'data-since': stop || !start ? undefined : String(start) }, duration(start, stop));
}

/**
 * Counts up the durations of the running executions shown, changing only their text: nothing is redrawn,
 * so what is typed, the caret and the focus stay as they are.
 */
function tick() {
  for (const node of view.querySelectorAll('[data-since]')) {
    const text = duration(Number(node.getAttribute('data-since')));
    if (node.textContent !== text) node.textContent = text;
  }
}

function status(value) {
  return el('span', { class: `status ${value}`, 'data-status': value }, value);
}

/**
 * Shows what `build` returns (nested lists flattened, `null` and `undefined` left out) as the page's
 * content. The field, button or link that had keyboard focus has it again, with the same caret and
 * selection; when an action button that had it is gone (its action done, the approval answered), the status
 * line gets it. `build` runs once the focus is noted: putting the status line in the new content takes it
 * out of the page, and the focus with it.
 */
function replace(build) {
  const focused = document.activeElement;
  const key = view.contains(focused) ? focusKeyOf(focused) : undefined;
  const selection =
    key && typeof focused.selectionStart === 'number'
      ? [focused.selectionStart, focused.selectionEnd, focused.selectionDirection]
      : undefined;
  const wasAction = key !== undefined && focused.hasAttribute('data-action');
  // A table box scrolled sideways (on a narrow screen) stays where it was.
  const scrolled = [...view.querySelectorAll('.table-scroll')].map((box) => [
    box.getAttribute('aria-label'),
    box.scrollLeft,
  ]);
  view.replaceChildren(
    ...build()
      .flat(2)
      .filter((child) => child !== null && child !== undefined),
  );
  for (const [label, left] of scrolled) {
    const box = view.querySelector(`.table-scroll[aria-label="${CSS.escape(label)}"]`);
    if (box) box.scrollLeft = left;
  }
  const again = key
    ? (view.querySelector(key) ?? (wasAction && view.contains(outcome) ? outcome : null))
    : null;
  if (!again) return;
  again.focus({ preventScroll: true });
  if (selection) again.setSelectionRange(...selection);
}

/**
 * A selector that finds the element again in a re-rendered page: by its id, name, action, link or label (a
 * table's scrolling box).
 */
function focusKeyOf(element) {
  for (const attribute of ['id', 'name', 'data-action', 'href', 'aria-label']) {
    const value = element.getAttribute(attribute);
    if (value !== null) return `${element.localName}[${attribute}="${CSS.escape(value)}"]`;
  }
  return undefined;
}

/**
 * Shows a page of the list: on the first, the running executions (an approval waits in one of them), then
 * the ended ones, newest first, saying how many are shown, with Older for the next page while there is one.
 */
function showList(page, older) {
  const key = JSON.stringify(page);
  if (key === shown) return;
  shown = key;
  const running = older ? [] : page.running;
  document.title = 'Executions — Cutover console';
  replace(() => [
    heading('Executions'),
    older ? el('p', {}, el('a', { href: '#/' }, '← Newest')) : null,
    running.length > 0
      ? [
          el('h2', {}, 'Running'),
          page.moreRunning
            ? el('p', { class: 'muted' }, `Showing the ${running.length} started last: more are running.`)
            : null,
          executionTable(running, true),
        ]
      : null,
    page.executions.length > 0
      ? [
          el('h2', {}, older ? 'Ended, older' : 'Ended'),
          el(
            'p',
            { class: 'muted', 'data-shown': '' },
            `Showing ${page.executions.length} ${older ? 'older ' : ''}ended execution${page.executions.length === 1 ? '' : 's'}, newest first${page.nextToken ? '; Older shows the ones before' : ''}.`,
          ),
          executionTable(page.executions),
        ]
      : null,
    page.nextToken
      ? el('p', {}, el('a', { href: `#/older/${page.nextToken}`, 'data-older': '' }, 'Older →'))
      : null,
    running.length === 0 && page.executions.length === 0
      ? el(
          'p',
          { class: 'muted' },
          older
            ? 'No older executions.'
            : withCode('No executions yet: start one with `cutover run` or `POST /releases/<strategy>`.'),
        )
      : null,
  ]);
  takeFocus();
}

/** The page's heading: focusable, so that following a link can take the focus there. */
function heading(...children) {
  return el('h1', { id: 'heading', tabindex: '-1' }, ...children);
}

/**
 * After following a link, takes the keyboard focus to the new page's heading, or back on the list to the
 * link of the execution whose page was left, so that a screen reader starts there.
 */
function takeFocus() {
  if (!focusOnDraw) return;
  const { from } = focusOnDraw;
  focusOnDraw = undefined;
  const row = from ? view.querySelector(`tr[data-execution="${CSS.escape(from)}"] a`) : null;
  (row ?? view.querySelector('h1'))?.focus();
}

/**
 * A table of executions, each row linking to the execution's page. Its heading names the zone the first
 * start is in; a start in another (before a daylight-saving change) names its own. A table of running
 * executions (`running`) also says where each is, and sets apart the rows that wait for an approval.
 */
function executionTable(executions, running = false) {
  const zone = zoneAt(executions[0].startDate * 1000);
  const rows = executions.map((execution) =>
    el(
      'tr',
      {
        'data-execution': execution.executionId,
        class: execution.awaitingApproval ? 'awaiting-approval' : undefined,
      },
      el(
        'td',
        {},
        el('a', { href: `#/executions/${encodeURIComponent(execution.executionId)}` }, execution.name),
        // On a narrow screen the "Now in" badge is scrolled out of sight: this one says it beside the name.
        execution.awaitingApproval && running
          ? [' ', el('span', { class: 'badge narrow-only', 'aria-hidden': 'true' }, 'awaits approval')]
          : null,
      ),
      el('td', {}, execution.executionId.split(':')[0]),
      el('td', {}, status(execution.status)),
      el('td', {}, instant(execution.startDate * 1000, zone)),
      el('td', {}, elapsed(execution.startDate, execution.stopDate)),
      running ? el('td', {}, nowIn(execution)) : null,
    ),
  );
  const headings = ['Name', 'State machine', 'Status', `Started (${zone})`, 'Duration'];
  return el(
    'div',
    // Focusable and named: on a narrow screen the keyboard scrolls it sideways to the status columns.
    {
      class: 'table-scroll',
      tabindex: '0',
      role: 'region',
      'aria-label': running ? 'Running executions' : 'Ended executions',
    },
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          (running ? [...headings, 'Now in'] : headings).map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

/**
 * Where a running execution is: the state it is in, how far its copy is (a database migration's), and a
 * badge when it waits for an approval; nothing when its history could not be read.
 */
function nowIn({ state, awaitingApproval, copy }) {
  if (!state) return null;
  return el(
    'span',
    { 'data-now-in': state },
    state,
    copy ? el('span', { class: 'muted', 'data-copy': '' }, `, copy ${copy}`) : null,
    awaitingApproval
      ? [' ', el('span', { class: 'badge', 'data-awaiting-approval': '' }, 'waiting for approval')]
      : null,
  );
}

/**
 * The weights as one bar, each track's part as wide as its weight and coloured by the track's name, with a
 * legend under it naming every track and its weight (a 1% part is too thin to hold its label).
 */
function weightsBar(weights) {
  const tracks = Object.entries(weights);
  const parts = tracks
    .filter(([, weight]) => weight > 0)
    .map(([track, weight]) => {
      const part = el('div', { 'data-track': track, title: `${track} ${weight}%` });
      part.style.width = `${weight}%`;
      return part;
    });
  return [
    el('div', { class: 'weights', 'data-weights': JSON.stringify(weights), 'aria-hidden': 'true' }, parts),
    el(
      'ul',
      { class: 'legend' },
      tracks.map(([track, weight]) =>
        el('li', { 'data-track': track }, el('span', { class: 'swatch' }), `${track} ${weight}%`),
      ),
    ),
  ];
}

/** Traffic weights as text: `stable 90%, canary 10%`. */
function weightsText(weights) {
  return Object.entries(weights)
    .map(([track, weight]) => `${track} ${weight}%`)
    .join(', ');
}

/**
 * The actions, each with its label, its request and, when it needs a second click, the label a first one
 * turns it into and what the status line then says of the execution's detail.
 */
const ACTIONS = {
  approve: {
    label: 'Approve',
    send: (id) =>
      api(`/releases/${encodeURIComponent(id)}/approve`, {
        approver: 'console',
        ...(drafts.comment ? { comment: drafts.comment } : {}),
      }),
  },
  reject: {
    label: 'Reject',
    confirm: 'Confirm reject',
    prompt: () => 'Press Confirm reject again to reject the release',
    send: (id) =>
      api(`/releases/${encodeURIComponent(id)}/reject`, {
        approver: 'console',
        ...(drafts.comment ? { reason: drafts.comment } : {}),
      }),
  },
  abort: {
    label: 'Abort',
    confirm: 'Confirm abort',
    prompt: (detail) => `Press Confirm abort again to stop ${detail.execution.name}`,
    send: (id) =>
      api(
        `/console/api/executions/${encodeURIComponent(id)}/abort`,
        drafts.reason ? { reason: drafts.reason } : {},
      ),
  },
};

function setOutcome(text = '', error = false) {
  outcome.textContent = text;
  outcome.classList.toggle('error', error);
}

/** Draws the execution page again from the detail last drawn, for an action's change of state. */
function redraw() {
  if (current?.detail) drawExecution(current.detail);
}

/**
 * What action `name` acts on in `detail`, while it can: the running execution, for Reject the approval
 * waiting in it too, named by when its task was scheduled (a paused step's checks enter states while it
 * waits). An armed action whose target changes is disarmed.
 */
function armedTarget(name, detail) {
  const { executionArn, status } = detail.execution;
  if (status !== 'RUNNING') return undefined;
  if (name !== 'reject') return executionArn;
  return detail.approvalPending ? `${executionArn} ${detail.approvalRequestedAt}` : undefined;
}

/** Disarms the armed action, taking its request for a second click off the status line. */
function disarm() {
  if (armed) setOutcome();
  armed = undefined;
  clearTimeout(disarmTimer);
}

/**
 * Runs action `name` on a click or key press (`event`): sent at once, or, for one that asks for confirmation,
 * on a second click that comes {@link CONFIRM_GUARD_MS} to {@link CONFIRM_MS} after the first.
 */
async function act(name, event) {
  const action = ACTIONS[name];
  if (busy || !current) return;
  if (action.confirm && armed !== name) {
    disarm();
    armed = name;
    armedFor = armedTarget(name, current.detail);
    armedAt = performance.now();
    disarmTimer = setTimeout(() => {
      disarm();
      redraw();
    }, CONFIRM_MS);
    setOutcome(action.prompt(current.detail));
    redraw();
    return;
  }
  if (action.confirm && (event.detail > 1 || performance.now() - armedAt < CONFIRM_GUARD_MS)) return;
  disarm();
  const run = generation;
  busy = name;
  setOutcome(`${action.label}…`);
  redraw();
  let failure;
  try {
    await action.send(current.id);
    if (run === generation) setOutcome(`${action.label}: done`);
  } catch (error) {
    failure = error;
  }
  if (run !== generation) return;
  // Unanswered is said at once: the refresh below, unanswered too, may take as long again.
  if (failure?.timedOut) {
    setOutcome(`${action.label}: ${UNANSWERED_ACTION}`, true);
    redraw();
  }
  // The buttons do nothing until the page shows what the action changed: none is clicked on a stale page.
  shown = '';
  await refresh();
  if (run !== generation) return;
  if (failure) {
    // Unanswered is not undone: the runtime may have taken the action, and the next refresh shows it. Only a
    // refused connection, with the refresh after it refused too, is sure not to have reached it.
    const nothingDone = failure.unreachable && !failure.timedOut && refused;
    refusedAction = nothingDone ? name : undefined;
    const text = !failure.unreachable ? failure.message : nothingDone ? REFUSED_ACTION : UNANSWERED_ACTION;
    setOutcome(`${action.label}: ${text}`, true);
  }
  busy = undefined;
  redraw();
}

/** Failures longer than this, in characters, show their start, the whole of them one click away. */
const FAILURE_SHOWN = 600;

/**
 * How an execution ended, `<error> — <cause>`: whole, or for a long one (an abort's reason may run to 32,768
 * characters) its start, folded above the rest of the page, opening on the whole of it.
 */
function failureLine(end) {
  const text = `${end.error}${end.cause ? ` — ${end.cause}` : ''}`;
  if (text.length <= FAILURE_SHOWN) return el('p', { class: 'error', 'data-failure': '' }, text);
  const size = `${text.length.toLocaleString('en-US')} characters`;
  return el(
    'details',
    { class: 'error', 'data-failure': '' },
    el('summary', {}, `${text.slice(0, FAILURE_SHOWN)}… (${size}: show all)`),
    el('p', {}, text),
  );
}

/** What a FAILED release's own rollback restored: every track, or not all of them (Activity names those). */
function rolledBackLine(rolledBack) {
  const text =
    rolledBack === 'full'
      ? 'Rolled back: its tracks and traffic are as the release found them.'
      : 'Rolled back, not in full: Activity names the tracks that did not come back.';
  return el('p', { 'data-rolled-back': rolledBack }, text);
}

function actionButton(name) {
  const action = ACTIONS[name];
  return el(
    'button',
    {
      type: 'button',
      class: armed === name ? `${name} armed` : name,
      'data-action': name,
      // Not `disabled`: a disabled button loses the keyboard focus.
      'aria-disabled': busy === undefined ? undefined : 'true',
      // As wide as its confirming label either way: arming it moves nothing (see console.css).
      'data-widest': action.confirm,
      onclick: (event) => act(name, event),
      onkeydown: (event) => {
        // A held Enter repeats: only its first press counts.
        if (event.repeat && event.key === 'Enter') event.preventDefault();
      },
    },
    el('span', {}, armed === name ? action.confirm : action.label),
  );
}

/**
 * Approve and Reject on one side, Abort on the other (its own column, or its own right-aligned row on a
 * narrow screen), so that neither lands under the pointer where the other was when one of them goes; then
 * the last action's outcome.
 */
function actions(detail) {
  const running = detail.execution.status === 'RUNNING';
  const field = (name, label, maxlength) =>
    el('input', {
      name,
      placeholder: label,
      'aria-label': label,
      maxlength,
      value: drafts[name],
      oninput: (event) => (drafts[name] = event.target.value),
    });
  return el(
    'section',
    { class: 'actions' },
    running && detail.approvalPending
      ? el(
          'div',
          { class: 'decide' },
          detail.approvalStage
            ? el('p', { 'data-approval-stage': '' }, `Waiting for approval ${detail.approvalStage}.`)
            : null,
          field('comment', 'comment or reason (optional)', COMMENT_MAX_LENGTH),
          el('div', { class: 'buttons' }, actionButton('approve'), actionButton('reject')),
          detail.approvalTimesOutAt
            ? approvalDeadline(detail.approvalTimesOutAt, detail.approvalOnTimeout)
            : null,
        )
      : null,
    running && !detail.restores
      ? el(
          'div',
          { class: 'stop' },
          field('reason', 'why abort (optional)', REASON_MAX_LENGTH),
          el('div', { class: 'buttons' }, actionButton('abort')),
        )
      : null,
    outcome,
  );
}

/** Whether action `name` can still be done on the execution `detail` shows. */
function canStill(name, detail) {
  return name === 'abort' ? detail.execution.status === 'RUNNING' : detail.approvalPending;
}

function showExecution(id, detail) {
  if (refusedAction) {
    // cutover local is back: an action it refused while down is no longer failed if it can still be done.
    if (canStill(refusedAction, detail)) setOutcome();
    refusedAction = undefined;
  }
  const key = JSON.stringify(detail);
  if (key === shown) return;
  shown = key;
  current = { id, detail };
  if (armed && armedTarget(armed, detail) !== armedFor) {
    const undone =
      armed === 'reject'
        ? 'Not rejected: the approval no longer waits (answered elsewhere, or the execution ended)'
        : 'Not aborted: the execution ended meanwhile';
    disarm();
    setOutcome(undone);
  }
  drawExecution(detail);
}

function drawExecution(detail) {
  const { execution } = detail;
  document.title = `${execution.name} — Cutover console`;
  const inState = execution.status === 'RUNNING' ? detail.state : undefined;
  // The meta line names the zone of the start; a later time in another names its own.
  const zone = zoneAt(execution.startDate * 1000);
  replace(() => [
    el('p', {}, el('a', { href: '#/' }, '← Executions')),
    heading(execution.name, ' ', status(execution.status)),
    el(
      'p',
      { class: 'muted' },
      // What the request releases: `shop/checkout v19`, the service alone of a migration.
      [execution.executionId.split(':')[0], [detail.service, detail.version].filter(Boolean).join(' ')]
        .filter(Boolean)
        .join(' · '),
      ' · started ',
      instant(execution.startDate * 1000),
      ' · ',
      elapsed(execution.startDate, execution.stopDate),
      inState ? ` · now in ${inState}` : '',
    ),
    detail.end?.error ? failureLine(detail.end) : null,
    detail.end?.rolledBack ? rolledBackLine(detail.end.rolledBack) : null,
    detail.restores ? restoring(detail) : null,
    detail.rollback
      ? el(
          'p',
          { 'data-rollback': '' },
          'Its rollback: ',
          el(
            'a',
            { href: `#/executions/${encodeURIComponent(detail.rollback.executionId)}` },
            detail.rollback.executionId,
          ),
          ' ',
          status(detail.rollback.status),
        )
      : null,
    actions(detail),
    traffic(detail),
    detail.verdicts.length > 0
      ? [
          el('h2', {}, 'Analysis'),
          earlier(detail.earlierVerdicts, 'earlier verdicts', execution.executionArn),
          el(
            'ul',
            {},
            detail.verdicts.map((v) =>
              el(
                'li',
                { class: `verdict ${v.verdict}`, ...(v.duringBake ? { 'data-check': '' } : {}) },
                // A check during a bake says so: the analysis at the bake's end is the one that decides.
                v.duringBake ? el('span', { class: 'muted' }, 'check · ') : null,
                `${v.verdict.toUpperCase()}: ${v.reason}`,
                v.measurementsText ? el('span', { class: 'muted' }, ` (${v.measurementsText})`) : null,
                el(
                  'span',
                  { class: 'muted', 'data-judged': '' },
                  ' · judged at ',
                  instant(v.at, zone),
                  v.weights ? ` with ${weightsText(v.weights)}` : '',
                ),
              ),
            ),
          ),
        ]
      : null,
    detail.activity.length > 0
      ? [
          el('h2', {}, 'Activity'),
          earlier(detail.earlierActivity, 'earlier lines', execution.executionArn),
          el(
            'ul',
            { class: 'activity' },
            detail.activity.map((step) => el('li', {}, step.text)),
          ),
        ]
      : null,
    notifications(detail.notifications, zone),
    el('h2', {}, 'States'),
    earlier(detail.earlierStates, 'earlier states', execution.executionArn),
    el(
      'ol',
      { class: 'states', start: detail.earlierStates + 1 },
      detail.states.map((s) =>
        el(
          'li',
          { 'data-state': s.name },
          s.position ? `${s.name} (${s.position})` : s.name,
          el('span', { class: 'muted' }, ' ', instant(s.enteredAt, zone)),
        ),
      ),
    ),
  ]);
  takeFocus();
}

/**
 * The notifications the execution published, each with its type, when (its zone named unless it is
 * `zone`), its message and its detail when the server sent it (a short one); none: no section.
 */
function notifications(list, zone) {
  if (!list?.length) return null;
  return [
    el('h2', {}, 'Notifications'),
    el(
      'p',
      { class: 'muted' },
      'As cutover local keeps them; on AWS they go to the SNS topic and EventBridge.',
    ),
    el(
      'ul',
      { class: 'notifications' },
      list.map((notification) =>
        el(
          'li',
          { 'data-notification': notification.type },
          el('strong', {}, notification.type),
          el('span', { class: 'muted' }, ' at ', instant(notification.at, zone)),
          ': ',
          notification.message,
          notification.detail
            ? el('span', { class: 'muted' }, ' ', el('code', {}, notification.detail))
            : null,
        ),
      ),
    ),
  ];
}

/**
 * What a rollback execution restores, linked; while it runs, why it offers no Abort: stopped part-way it
 * would leave the traffic split and the service locked.
 */
function restoring(detail) {
  const { executionId } = detail.restores;
  return el(
    'p',
    { 'data-restores': '' },
    'Restores ',
    el('a', { href: `#/executions/${encodeURIComponent(executionId)}` }, executionId),
    detail.execution.status === 'RUNNING'
      ? ': it must run to its end, as stopping it part-way would leave the traffic split and the service locked, so it has no Abort.'
      : '.',
  );
}

/**
 * The traffic weights last set, as one bar. Of a stopped release whose rollback set weights, those: the split
 * it restored. Otherwise the release's own, saying so while its rollback runs, or when its rollback set none.
 * Before the release sets any, the router's as found when it started (a blue-green waiting to switch).
 */
function traffic(detail) {
  const { rollback } = detail;
  const weights = rollback?.weights ?? detail.weights ?? detail.foundWeights;
  if (!weights) return null;
  let note;
  if (rollback?.weights) note = 'as its rollback restored it';
  else if (!detail.weights) note = 'as found when the release started';
  else if (rollback?.status === 'RUNNING')
    note = 'as the release last set it: its rollback is restoring the traffic';
  else if (rollback) note = `as the release last set it: its rollback (${rollback.status}) set no weights`;
  return [
    el('h2', {}, 'Traffic'),
    note ? el('p', { class: 'muted', 'data-traffic-note': '' }, note) : null,
    weightsBar(weights),
  ];
}

/**
 * The note above a list the server cut to its latest lines, saying where the rest is: by the execution's
 * ARN, which names it whatever state machine it belongs to.
 */
function earlier(count, what, executionArn) {
  if (!count) return null;
  return el(
    'p',
    { class: 'muted', 'data-earlier': '' },
    withCode(
      `… ${count.toLocaleString('en-US')} ${what} (\`cutover history ${executionArn}\` lists them all)`,
    ),
  );
}

/** Shows or removes the banner above the page; it is announced once, when it appears. */
function showUnreachable(unreachable) {
  if (banner.hidden !== unreachable) return;
  banner.hidden = !unreachable;
  banner.textContent = unreachable ? 'cutover local is not answering; retrying…' : '';
}

/**
 * The execution an address names, as it names it: its id (`<state machine>:<name>`) or its ARN as `cutover
 * run` prints it. The server says whether that is an execution of this runtime (an ARN of another region or
 * account is not).
 */
function executionNamed(encoded) {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new Error(`the address names ${encoded}, which is not valid percent-encoding`);
  }
}

/**
 * Asks for what the address names and draws it. Resolves to whether to ask again: not once an execution has
 * ended and been drawn (a stopped release once its rollback has ended too), nor after a refusal (404
 * unknown execution); while nothing answers the page keeps what it shows under a banner, and retries.
 */
async function refresh() {
  const run = generation;
  const ticket = ++asked;
  const match = /^#\/executions\/(.+)$/.exec(location.hash);
  const older = /^#\/older\/([\w-]+)$/.exec(location.hash)?.[1];
  if (!match && older === undefined && !['', '#', '#/'].includes(location.hash)) {
    showFailure(
      404,
      `No page ${location.hash}: the console shows the executions (#/) and one execution (#/executions/<execution id>)`,
    );
    return false;
  }
  try {
    const id = match ? executionNamed(match[1]) : undefined;
    const answer = await api(
      id !== undefined
        ? `/console/api/executions/${encodeURIComponent(id)}`
        : `/console/api/executions${older ? `?nextToken=${older}` : ''}`,
    );
    if (run !== generation || ticket < drawn) return run === generation;
    drawn = ticket;
    refused = false;
    showUnreachable(false);
    if (id === undefined) {
      showList(answer, older !== undefined);
      return true;
    }
    const { executionId } = answer.execution;
    // An address by name or ARN becomes the execution's id, as the list links it.
    if (id !== executionId) history.replaceState(null, '', `#/executions/${encodeURIComponent(executionId)}`);
    showExecution(executionId, answer);
    return answer.execution.status === 'RUNNING' || answer.rollback?.status === 'RUNNING';
  } catch (error) {
    if (run !== generation || ticket < drawn) return run === generation;
    drawn = ticket;
    refused = error.unreachable === true && !error.timedOut;
    showUnreachable(error.unreachable === true);
    if (error.unreachable) return true;
    if (older !== undefined && error.status === 400) {
      // The list refused the page token: made up, cut, or expired (tokens last 24 hours).
      showFailure(
        404,
        `No page ${location.hash}: an Older link works for 24 hours after the list gave it; ← Executions shows the newest`,
      );
      return false;
    }
    showFailure(error.status, error.message);
    return error.status >= 500;
  }
}

/** Shows a refusal (`status` 404: not found) or an error, `message`, with the way back to the list. */
function showFailure(status, message) {
  shown = '';
  current = undefined;
  document.title = `${status === 404 ? 'Not found' : 'Error'} — Cutover console`;
  replace(() => [
    el('p', {}, el('a', { href: '#/' }, '← Executions')),
    el('p', { class: 'error', role: 'alert' }, message),
  ]);
}

async function poll() {
  const run = generation;
  const again = await refresh();
  if (again && run === generation) pollTimer = setTimeout(poll, POLL_MS);
}

/** Shows what the address names; `event`, the hashchange of a followed link (none on the first load). */
function route(event) {
  focusOnDraw = event ? { from: current?.id } : undefined;
  generation += 1;
  clearTimeout(pollTimer);
  disarm();
  busy = undefined;
  current = undefined;
  refusedAction = undefined;
  shown = '';
  drafts.comment = '';
  drafts.reason = '';
  setOutcome();
  poll();
}

window.addEventListener('hashchange', route);
setInterval(tick, TICK_MS);
route();
