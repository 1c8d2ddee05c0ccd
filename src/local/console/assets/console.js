// The Cutover console: lists the runtime's executions and follows one (states, traffic weights, analysis
// verdicts), with approve / reject / abort. Text is always set as text, never parsed as HTML.

const view = document.getElementById('view');
/** What the user typed in the action fields, kept across the periodic re-renders. */
const drafts = { comment: '', reason: '' };
let timer;
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

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.message ?? `${response.status} ${response.statusText}`);
  return json;
}

function time(value) {
  return value ? new Date(value * 1000).toLocaleTimeString() : '';
}

function duration(start, stop) {
  if (!start) return '';
  const seconds = Math.round((stop ? stop : Date.now() / 1000) - start);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

function status(value) {
  return el('span', { class: `status ${value}`, 'data-status': value }, value);
}

/** Shows `children` (nested lists flattened, `null` and `undefined` left out) as the page's content. */
function replace(...children) {
  view.replaceChildren(...children.flat(2).filter((child) => child !== null && child !== undefined));
}

async function showList() {
  const { executions } = await api('/console/api/executions');
  const key = JSON.stringify(executions);
  if (key === shown) return;
  shown = key;
  const rows = executions.map((execution) =>
    el(
      'tr',
      { 'data-execution': execution.executionId },
      el(
        'td',
        {},
        el('a', { href: `#/executions/${encodeURIComponent(execution.executionId)}` }, execution.name),
      ),
      el('td', {}, execution.executionId.split(':')[0]),
      el('td', {}, status(execution.status)),
      el('td', {}, time(execution.startDate)),
      el('td', {}, duration(execution.startDate, execution.stopDate)),
    ),
  );
  replace(
    el('h1', {}, 'Executions'),
    rows.length === 0
      ? el(
          'p',
          { class: 'muted' },
          'No executions yet: start one with `cutover run` or POST /releases/<strategy>.',
        )
      : el(
          'table',
          {},
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              ['Name', 'State machine', 'Status', 'Started', 'Duration'].map((h) => el('th', {}, h)),
            ),
          ),
          el('tbody', {}, rows),
        ),
  );
}

/** The weights as one bar, each track's part as wide as its weight. */
function weightsBar(weights) {
  const parts = Object.entries(weights)
    .filter(([, weight]) => weight > 0)
    .map(([track, weight]) => {
      const part = el('div', { 'data-track': track, title: `${track} ${weight}%` }, `${track} ${weight}%`);
      part.style.width = `${weight}%`;
      return part;
    });
  return el('div', { class: 'weights', 'data-weights': JSON.stringify(weights) }, parts);
}

function measurements(values) {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? Number(value.toFixed(4)) : value}`)
    .join(' ');
}

function actions(detail, id) {
  const notice = el('span', { class: 'notice muted' });
  const act = (label, run) => async () => {
    notice.textContent = `${label}…`;
    try {
      await run();
      notice.textContent = `${label}: done`;
      shown = '';
      await refresh();
    } catch (error) {
      notice.textContent = `${label}: ${error.message}`;
      notice.className = 'notice error';
    }
  };
  const field = (name, placeholder) =>
    el('input', {
      name,
      placeholder,
      value: drafts[name],
      oninput: (event) => (drafts[name] = event.target.value),
    });
  const approval = detail.approvalPending
    ? [
        field('comment', 'comment or reason (optional)'),
        el(
          'button',
          {
            class: 'approve',
            onclick: act('Approve', () =>
              api(`/releases/${encodeURIComponent(id)}/approve`, {
                approver: 'console',
                ...(drafts.comment ? { comment: drafts.comment } : {}),
              }),
            ),
          },
          'Approve',
        ),
        el(
          'button',
          {
            class: 'reject',
            onclick: act('Reject', () =>
              api(`/releases/${encodeURIComponent(id)}/reject`, {
                approver: 'console',
                ...(drafts.comment ? { reason: drafts.comment } : {}),
              }),
            ),
          },
          'Reject',
        ),
      ]
    : [];
  const abort =
    detail.execution.status === 'RUNNING'
      ? [
          field('reason', 'why abort (optional)'),
          el(
            'button',
            {
              class: 'abort',
              onclick: act('Abort', () =>
                api(
                  `/console/api/executions/${encodeURIComponent(id)}/abort`,
                  drafts.reason ? { reason: drafts.reason } : {},
                ),
              ),
            },
            'Abort',
          ),
        ]
      : [];
  return el('div', { class: 'actions' }, approval, abort, notice);
}

async function showExecution(id) {
  const detail = await api(`/console/api/executions/${encodeURIComponent(id)}`);
  const key = JSON.stringify(detail);
  if (key === shown) return;
  shown = key;
  const { execution } = detail;
  const current = execution.status === 'RUNNING' ? detail.states.at(-1)?.name : undefined;
  replace(
    el('p', {}, el('a', { href: '#/' }, '← Executions')),
    el('h1', {}, execution.name, ' ', status(execution.status)),
    el(
      'p',
      { class: 'muted' },
      `${execution.executionId.split(':')[0]} · started ${time(execution.startDate)} · ${duration(execution.startDate, execution.stopDate)}`,
      current ? ` · now in ${current}` : '',
    ),
    detail.end?.error
      ? el(
          'p',
          { class: 'error', 'data-failure': '' },
          `${detail.end.error}${detail.end.cause ? ` — ${detail.end.cause}` : ''}`,
        )
      : null,
    actions(detail, id),
    detail.weights ? [el('h2', {}, 'Traffic'), weightsBar(detail.weights)] : null,
    detail.verdicts.length > 0
      ? [
          el('h2', {}, 'Analysis'),
          el(
            'ul',
            {},
            detail.verdicts.map((v) =>
              el(
                'li',
                { class: `verdict ${v.verdict}` },
                `${v.verdict.toUpperCase()}: ${v.reason}`,
                el('span', { class: 'muted' }, ` (${measurements(v.measurements)})`),
              ),
            ),
          ),
        ]
      : null,
    detail.activity.length > 0
      ? [
          el('h2', {}, 'Steps'),
          el(
            'ul',
            { class: 'activity' },
            detail.activity.map((step) => el('li', {}, step.text)),
          ),
        ]
      : null,
    el('h2', {}, 'States'),
    el(
      'ol',
      { class: 'states' },
      detail.states.map((s) =>
        el(
          'li',
          { 'data-state': s.name },
          s.name,
          el('span', { class: 'muted' }, ` ${new Date(s.enteredAt).toLocaleTimeString()}`),
        ),
      ),
    ),
  );
}

async function refresh() {
  const match = /^#\/executions\/(.+)$/.exec(location.hash);
  try {
    if (match) await showExecution(decodeURIComponent(match[1]));
    else await showList();
  } catch (error) {
    shown = '';
    replace(
      el('p', {}, el('a', { href: '#/' }, '← Executions')),
      el('p', { class: 'error', role: 'alert' }, error.message),
    );
  }
}

function route() {
  clearInterval(timer);
  shown = '';
  drafts.comment = '';
  drafts.reason = '';
  refresh();
  timer = setInterval(refresh, 1000);
}

window.addEventListener('hashchange', route);
route();
