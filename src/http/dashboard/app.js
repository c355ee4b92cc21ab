/**
 * The operator dashboard's behaviour: asks for the read-write token, polls the admin API
 * (migration status and jobs, alerts, audit) and the health report, renders them, and runs
 * the migration actions after an in-page confirmation. Plain ES module, no framework and no
 * build step, because the page is served as-is under a strict CSP. Everything that comes from
 * the server reaches the DOM through textContent or element properties, never as markup.
 */

const TOKEN_KEY = 'contentkv.dashboard.token';
/** Sent with every call so the audit log tells the dashboard's actions from the CLI's. */
const CLIENT_ID = 'dashboard';
const FAST_POLL_MS = 1_000;
const SLOW_POLL_MS = 3_000;
const HIDDEN_POLL_MS = 15_000;
const AUDIT_LIMIT = 20;
const GET_TIMEOUT_MS = 10_000;
/** A stage move that switches the authoritative store waits for every instance, behind a fence. */
const POST_TIMEOUT_MS = 60_000;
const COLLECTIONS = ['projects', 'resources'];
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,127}$/;

/**
 * DESIGN.md's stage table. The status names only the authoritative store; the rest is here so
 * the page can say where reads and writes go without asking the server for it.
 */
const STAGE_INFO = {
  json: { reads: 'JSON files', writes: 'JSON files', authoritative: 'json' },
  'dual-write': { reads: 'JSON files', writes: 'JSON files, then Redis', authoritative: 'json' },
  shadow: { reads: 'JSON files (Redis compared)', writes: 'JSON files, then Redis', authoritative: 'json' },
  live: { reads: 'split by id (both compared)', writes: 'Redis, then JSON files', authoritative: 'redis' },
  rampdown: { reads: 'Redis', writes: 'Redis, then JSON files', authoritative: 'redis' },
  redis: { reads: 'Redis', writes: 'Redis', authoritative: 'redis' },
};
const DEFAULT_STAGES = Object.keys(STAGE_INFO);
const STORE_NAMES = { json: 'JSON files', redis: 'Redis' };

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`dashboard markup lacks #${id}`);
  return element;
};

/**
 * Creates an element. Attributes go through properties or setAttribute, children become text
 * nodes when they are strings, so server data can never turn into markup.
 */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') element.className = value;
    else if (name === 'text') element.textContent = String(value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'onClick') element.addEventListener('click', value);
    else if (name in element && !name.includes('-')) element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const numberFormat = new Intl.NumberFormat('en');
const fmtNumber = (value) => (typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '–');

function fmtMs(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function fmtPercent(ratio, digits = 1) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)}%`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Absolute times: relative ones ("5 s ago") would go stale between renders. */
function timeEl(iso) {
  if (!iso) return h('span', { className: 'muted', text: '–' });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', { text: String(iso) });
  const today = date.toDateString() === new Date().toDateString();
  return h('time', { dateTime: date.toISOString(), title: date.toString(), text: (today ? timeFormat : dateTimeFormat).format(date) });
}

/** A value of a diff or a document field, short enough for a table cell. */
function valueText(value) {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}

function valueCell(value, extraClass) {
  const text = valueText(value);
  if (text === null) return h('td', { className: `diff-empty ${extraClass}`, text: '(none)' });
  return h('td', { className: extraClass, title: text.length > 60 ? text : undefined, text });
}

function chip(text, tone = 'neutral', title) {
  return h('span', { className: `chip chip-${tone}`, title, text });
}

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const session = {
  token: null,
  /** Set when the server has no migration (only one store configured), to stop asking. */
  noMigration: null,
};

async function request(path, { method = 'GET', body, token = session.token, allowStatus = [], timeoutMs = method === 'GET' ? GET_TIMEOUT_MS : POST_TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json', 'X-Client-Id': CLIENT_ID };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // A request that never answers would otherwise stall the polling loop behind it for good.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let response;
  let payload = null;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit', signal: abort.signal });
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
  } catch {
    throw abort.signal.aborted
      ? new ApiError(0, 'TIMEOUT', `The server did not answer ${path} within ${timeoutMs / 1000} s.`)
      : new ApiError(0, 'NETWORK', 'The server did not answer. Is it running?');
  } finally {
    clearTimeout(timer);
  }
  if (allowStatus.includes(response.status) && payload) return payload;
  if (!response.ok || (payload && payload.success === false)) {
    const error = payload && payload.error;
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `The server answered ${response.status} ${response.statusText}.`, error?.details);
  }
  return payload;
}

// ---------------------------------------------------------------------------------------------
// State and polling

const view = {
  status: null,
  alerts: null,
  health: null,
  audit: null,
  lastUpdated: null,
  lastError: null,
  actionInFlight: false,
  /** What each section was last rendered from, so unchanged data does not rebuild the DOM
   * (which would steal focus and hover from whatever the operator is pointing at). */
  rendered: new Map(),
};

let pollTimer = null;
let refreshing = null;
let refreshAgain = false;

function jobsRunning() {
  return Boolean(view.status?.jobs?.some((job) => job.state === 'running'));
}

function nextDelay() {
  if (document.hidden) return HIDDEN_POLL_MS;
  return jobsRunning() || view.status?.fenced || view.actionInFlight ? FAST_POLL_MS : SLOW_POLL_MS;
}

function schedule(ms = nextDelay()) {
  clearTimeout(pollTimer);
  if (!session.token) return;
  pollTimer = setTimeout(() => void refresh(), ms);
}

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      await loadAll();
    } catch (error) {
      // A bug here must not stop the polling; the console (and the browser test) still see it.
      console.error('dashboard refresh failed', error);
    } finally {
      refreshing = null;
    }
    if (refreshAgain) {
      refreshAgain = false;
      await refresh();
      return;
    }
    schedule();
  })();
  return refreshing;
}

function auditQuery() {
  const params = new URLSearchParams({ limit: String(AUDIT_LIMIT) });
  const entityType = $('audit-entity').value;
  const source = $('audit-source').value;
  if (entityType) params.set('entityType', entityType);
  if (source) params.set('source', source);
  return `/api/audit?${params}`;
}

async function loadAll() {
  if (!session.token) return;
  const [migration, alerts, health, audit] = await Promise.allSettled([
    session.noMigration ? Promise.resolve(null) : request('/api/admin/migration'),
    request('/api/admin/alerts'),
    request('/api/health', { token: null, allowStatus: [503] }),
    request(auditQuery()),
  ]);
  if (!session.token) return; // forgotten while the requests were out
  const failures = [migration, alerts, health, audit].filter((result) => result.status === 'rejected').map((result) => result.reason);
  const unauthorized = failures.find((error) => error instanceof ApiError && (error.status === 401 || error.status === 403));
  if (unauthorized) {
    forgetToken(`The server refused the token: ${unauthorized.message}`);
    return;
  }

  if (migration.status === 'fulfilled') {
    if (migration.value) view.status = migration.value.data;
  } else if (migration.reason instanceof ApiError && migration.reason.code === 'MIGRATION_GUARD' && migration.reason.status === 409) {
    session.noMigration = migration.reason.message;
    view.status = null;
  }
  if (alerts.status === 'fulfilled') view.alerts = alerts.value.data;
  if (health.status === 'fulfilled') view.health = health.value;
  if (audit.status === 'fulfilled') view.audit = { items: audit.value.data, error: null };
  else view.audit = { items: view.audit?.items ?? [], error: audit.reason.message };

  const networkDown = failures.find((error) => error instanceof ApiError && error.status === 0);
  const other = failures.find((error) => !(migration.status === 'rejected' && error === migration.reason && session.noMigration));
  view.lastError = networkDown ? networkDown.message : other ? other.message : null;
  if (failures.length < 4) view.lastUpdated = new Date();
  render();
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderSection(key, data, draw) {
  const signature = JSON.stringify(data);
  if (view.rendered.get(key) === signature) return;
  view.rendered.set(key, signature);
  draw(data);
}

function render() {
  renderRefreshState();
  renderSection('chips', [view.status && { paused: view.status.paused, fenced: view.status.fenced, jsonWritable: view.status.jsonWritable, redisReachable: view.status.redisReachable, stateError: view.status.stateError }, session.noMigration], renderChips);
  renderSection('firing', view.alerts?.firing ?? [], renderFiring);
  renderSection('collections', [view.status && { collections: view.status.collections, stages: view.status.stages, jobs: view.status.jobs }, session.noMigration], renderCollections);
  renderSection('jobs', view.status?.jobs ?? [], renderJobs);
  renderSection('health', [view.health, view.status?.latency], renderHealth);
  renderSection('alerts', view.alerts?.recent ?? [], renderAlerts);
  renderSection('audit', view.audit, renderAudit);
  syncControls();
}

function renderRefreshState() {
  const target = $('refresh-state');
  target.replaceChildren();
  if (view.lastError) {
    target.className = 'refresh refresh-error';
    append(target, [h('span', { className: 'dot', 'aria-hidden': 'true' }), `Problem: ${view.lastError} Retrying.`]);
    return;
  }
  target.className = 'refresh';
  const fast = nextDelay() === FAST_POLL_MS;
  append(target, [
    h('span', { className: fast ? 'dot dot-live' : 'dot', 'aria-hidden': 'true' }),
    view.lastUpdated ? `Updated ${timeFormat.format(view.lastUpdated)}` : 'Loading…',
    h('span', { className: 'muted', text: ` · every ${nextDelay() / 1000} s` }),
  ]);
}

function renderChips([flags, noMigration]) {
  const target = $('global-chips');
  target.replaceChildren();
  if (noMigration) {
    target.append(chip('No migration on this server', 'neutral'));
    return;
  }
  if (!flags) return;
  if (flags.paused) target.append(chip('Paused', 'warning', 'Backfill and repair jobs stop at their next batch until resumed.'));
  if (flags.fenced) target.append(chip('Writes fenced', 'warning', 'The authoritative store is being switched; writes wait a moment.'));
  if (!flags.redisReachable) target.append(chip('Redis unreachable', 'critical', flags.stateError ?? undefined));
  if (!flags.jsonWritable) target.append(chip('JSON files read-only', 'info', 'Stages that write the JSON files refuse those writes with READ_ONLY.'));
  if (!flags.paused && !flags.fenced && flags.redisReachable) target.append(chip('Running', 'ok'));
}

function renderFiring(firing) {
  const section = $('firing');
  const list = $('firing-list');
  list.replaceChildren();
  section.hidden = firing.length === 0;
  for (const alert of firing) {
    list.append(h('li', { className: `firing-item sev-${alert.severity}` },
      h('span', { className: 'firing-sev', text: alert.severity }),
      h('span', { className: 'firing-msg', text: alert.message }),
      h('span', { className: 'firing-meta' }, alert.collection ? `${alert.collection} · ` : '', 'since ', timeEl(alert.at)),
    ));
  }
}

function latestJob(jobs, kind, collection) {
  for (const job of jobs ?? []) {
    if (job.kind !== kind) continue;
    const progress = job.progress.find((entry) => entry.collection === collection);
    if (progress) return { job, progress };
    if (job.state === 'running' && (job.target === collection || job.target === 'all')) return { job, progress: null };
  }
  return null;
}

/** The backfill to show: the running or last job's report, or the shared checkpoint when it is newer (a CLI run, or another instance). */
function backfillView(collection, checkpoint, jobs) {
  const found = latestJob(jobs, 'backfill', collection);
  const fromJob = found?.progress;
  if (found && !fromJob) return { queued: true, status: 'queued' };
  if (fromJob && (!checkpoint || !checkpoint.updatedAt || fromJob.updatedAt >= checkpoint.updatedAt || fromJob.status === 'running')) {
    return { ...fromJob, source: 'job' };
  }
  if (!checkpoint) return null;
  const processed = Number(checkpoint.processed ?? 0);
  const total = Number(checkpoint.total ?? 0);
  const started = Date.parse(String(checkpoint.startedAt ?? ''));
  const updated = Date.parse(String(checkpoint.updatedAt ?? ''));
  const seconds = (updated - started) / 1000;
  const ratePerSecond = Number.isFinite(seconds) && seconds > 0 ? Math.round(processed / seconds) : null;
  return {
    source: 'checkpoint',
    status: String(checkpoint.status ?? 'unknown'),
    processed,
    total,
    ratePerSecond,
    etaSeconds: checkpoint.status === 'running' && ratePerSecond ? Math.ceil(Math.max(0, total - processed) / ratePerSecond) : null,
    counts: { copied: Number(checkpoint.copied ?? 0), skipped: Number(checkpoint.skipped ?? 0), failed: Number(checkpoint.failed ?? 0) },
    updatedAt: checkpoint.updatedAt,
    error: checkpoint.error || undefined,
  };
}

const STATUS_TONE = { running: 'info', done: 'ok', finished: 'ok', paused: 'warning', failed: 'critical', queued: 'neutral' };

function progressBar(label, processed, total) {
  const ratio = total > 0 ? Math.min(1, processed / total) : processed > 0 ? 1 : 0;
  const percent = Math.floor(ratio * 100);
  return h('div', { className: 'progress-wrap' },
    h('progress', { max: 100, value: percent, 'aria-label': label }),
    h('span', { className: 'progress-pct', text: `${percent}%` }),
  );
}

function block(title, ...children) {
  return h('section', { className: 'block' }, h('h4', { text: title }), ...children);
}

function renderBackfill(name, c, jobs) {
  const backfill = backfillView(name, c.backfill, jobs);
  if (!backfill) return block('Backfill', h('p', { className: 'muted', text: 'Not run yet. It can start once the collection is at dual-write.' }));
  if (backfill.queued) {
    return block('Backfill', h('div', { className: 'progress-wrap' }, h('progress', { 'aria-label': `${name} backfill progress` }), h('span', { className: 'progress-pct', text: 'queued' })),
      h('p', { className: 'muted small', text: 'Waiting for the collection before it in the same job.' }));
  }
  const facts = [
    `${fmtNumber(backfill.processed)} of ${fmtNumber(backfill.total)}`,
    backfill.ratePerSecond ? `${fmtNumber(backfill.ratePerSecond)} docs/s` : null,
    backfill.status === 'running' ? `ETA ${fmtDuration(backfill.etaSeconds)}` : null,
  ].filter(Boolean).join(' · ');
  const counts = Object.entries(backfill.counts ?? {}).map(([key, value]) => `${key} ${fmtNumber(value)}`).join(' · ');
  return block('Backfill',
    h('div', { className: 'block-status' }, chip(backfill.status, STATUS_TONE[backfill.status] ?? 'neutral'), h('span', { className: 'small', text: facts })),
    progressBar(`${name} backfill progress`, backfill.processed, backfill.total),
    h('p', { className: 'muted small' }, counts, backfill.updatedAt ? [' · at ', timeEl(backfill.updatedAt)] : null),
    backfill.error ? h('p', { className: 'error-text small', text: backfill.error }) : null,
  );
}

function idList(label, ids) {
  if (!ids || ids.length === 0) return null;
  return h('div', { className: 'id-list' }, h('span', { className: 'id-list-label', text: label }),
    h('ul', {}, ids.map((id) => h('li', {}, h('code', { text: id })))));
}

function renderVerify(name, c, jobs) {
  const report = c.lastVerify;
  const running = latestJob(jobs, 'verify', name);
  const live = running && running.job.state === 'running'
    ? running.progress
      ? progressBar(`${name} verify progress`, running.progress.processed, running.progress.total)
      : h('div', { className: 'progress-wrap' }, h('progress', { 'aria-label': `${name} verify progress` }), h('span', { className: 'progress-pct', text: 'queued' }))
    : null;
  if (!report) return block('Last verify', live, h('p', { className: 'muted', text: 'Never verified.' }));
  const drift = report.missing + report.extra + report.different;
  const stat = (label, value) => h('div', { className: value > 0 ? 'stat stat-bad' : 'stat' }, h('dt', { text: label }), h('dd', { text: fmtNumber(value) }));
  return block('Last verify',
    live,
    h('div', { className: 'block-status' },
      report.clean ? chip('clean', 'ok') : chip(`drift: ${fmtNumber(drift)}`, 'critical'),
      h('span', { className: 'small' }, `${fmtNumber(report.checked)} checked · `, timeEl(report.checkedAt), ` · ${fmtNumber(report.durationMs)} ms`)),
    h('dl', { className: 'stats stats-3' }, stat('missing', report.missing), stat('extra', report.extra), stat('different', report.different)),
    report.settled > 0 ? h('p', { className: 'muted small', text: `${fmtNumber(report.settled)} settled on the second pass (writes in flight).` }) : null,
    idList('Missing', report.samples?.missing), idList('Extra', report.samples?.extra), idList('Different', report.samples?.different),
  );
}

function renderStepper(name, stages, current) {
  const index = stages.indexOf(current);
  const steps = h('ol', { className: 'stepper', 'aria-label': `${name} stage` }, stages.map((stage, i) => {
    const state = i < index ? 'done' : i === index ? 'current' : 'todo';
    const info = STAGE_INFO[stage];
    return h('li', {
      className: `step step-${state} store-${info?.authoritative ?? 'json'}`,
      'aria-current': state === 'current' ? 'step' : undefined,
      title: info ? `reads: ${info.reads}; writes: ${info.writes}` : undefined,
      dataset: { stage },
    },
    h('span', { className: 'step-dot', 'aria-hidden': 'true', text: String(i + 1) }),
    h('span', { className: 'step-name', text: stage }),
    state === 'current' ? h('span', { className: 'visually-hidden', text: ' (current)' }) : null);
  }));
  // Under the steps, which store is authoritative in each half of the table, so the switch
  // between stage 3 and 4 (the fenced one) is visible at a glance.
  const authority = STAGE_INFO[current]?.authoritative;
  const band = h('div', { className: 'authority-band', 'aria-hidden': 'true' },
    h('span', { className: authority === 'json' ? 'band band-json band-on' : 'band band-json', text: 'JSON files authoritative' }),
    h('span', { className: authority === 'redis' ? 'band band-redis band-on' : 'band band-redis', text: 'Redis authoritative' }));
  return h('div', { className: 'stage-track' }, steps, band);
}

function renderCollection(name, c, stages, jobs) {
  const info = STAGE_INFO[c.stage];
  const repairs = c.repairQueue.redis === null ? null : c.repairQueue.redis + c.repairQueue.journal;
  const stat = (label, value, bad, note) => h('div', { className: bad ? 'stat stat-bad' : 'stat' }, h('dt', { text: label }), h('dd', { text: value }), note ? h('span', { className: 'stat-note', text: note }) : null);
  const readsLine = c.stage === 'live'
    ? h('div', { className: 'split' },
      h('div', { className: 'split-label' }, h('span', { text: 'Reads from Redis' }), h('strong', { className: 'read-percent', text: `${c.readPercent}%` })),
      h('progress', { className: 'split-bar', max: 100, value: c.readPercent, 'aria-label': `${name} share of reads from Redis` }))
    : h('p', { className: 'small' }, 'Reads from ', h('strong', { className: 'read-percent', dataset: { percent: String(c.readPercent) }, text: c.readPercent === 100 ? 'Redis (100%)' : 'JSON files (Redis 0%)' }));

  return h('article', { className: 'collection', dataset: { collection: name }, 'aria-labelledby': `col-${name}-title` },
    h('header', { className: 'collection-head' },
      h('h3', { id: `col-${name}-title`, text: name }),
      h('span', { className: `store-badge store-${c.authoritative}`, title: 'Written first; its commit acknowledges a write.' }, 'Authoritative: ', h('strong', { className: 'authoritative', text: STORE_NAMES[c.authoritative] ?? c.authoritative }))),
    renderStepper(name, stages, c.stage),
    h('p', { className: 'stage-line small' },
      h('span', { className: 'stage-name', text: c.stage }),
      info ? h('span', { className: 'muted', text: ` · writes: ${info.writes}` }) : null,
      c.stageSource === 'override' ? chip('set by CONTENTKV_STAGE', 'warning', 'The environment overrides the stage; moves here have no effect until it is removed.') : null),
    readsLine,
    renderBackfill(name, c, jobs),
    renderVerify(name, c, jobs),
    h('dl', { className: 'stats stats-3 queue-stats' },
      stat('Repair queue', repairs === null ? 'unknown' : fmtNumber(repairs), repairs === null || repairs > 0, c.repairQueue.journal > 0 ? `${fmtNumber(c.repairQueue.journal)} in the local journal` : undefined),
      stat('Dead letters', fmtNumber(c.deadLetters.count), c.deadLetters.count > 0),
      stat('Shadow mismatch', c.shadow.mismatchRate === null ? 'n/a' : fmtPercent(c.shadow.mismatchRate, 2), (c.shadow.mismatchRate ?? 0) > 0.01,
        c.shadow.compared > 0 ? `${fmtNumber(c.shadow.mismatched)} of ${fmtNumber(c.shadow.compared)} reads` : 'no reads compared yet')),
    c.deadLetters.recent.length > 0
      ? h('details', { className: 'dead-letters' }, h('summary', { text: `Recent dead letters (${c.deadLetters.recent.length})` }),
        h('ul', {}, c.deadLetters.recent.map((entry) => h('li', {}, h('code', { text: entry.id }), ` ${entry.reason} · `, timeEl(entry.at)))))
      : null,
  );
}

function renderCollections([data, noMigration]) {
  const target = $('collections');
  target.replaceChildren();
  $('collections-note').textContent = '';
  if (noMigration) {
    target.append(h('p', { className: 'empty', text: `${noMigration.charAt(0).toUpperCase()}${noMigration.slice(1)}.` }));
    return;
  }
  if (!data) {
    target.append(h('p', { className: 'empty', text: 'Loading the migration status…' }));
    return;
  }
  const stages = data.stages?.length ? data.stages : DEFAULT_STAGES;
  for (const name of COLLECTIONS) {
    const c = data.collections?.[name];
    if (c) target.append(renderCollection(name, c, stages, data.jobs));
  }
}

function renderJobs(jobs) {
  const list = $('job-list');
  list.replaceChildren();
  if (jobs.length === 0) {
    list.append(h('li', { className: 'empty', text: 'No background jobs since this server started.' }));
    return;
  }
  for (const job of jobs.slice(0, 8)) {
    list.append(h('li', { className: 'job', dataset: { job: job.key, state: job.state } },
      h('div', { className: 'job-head' },
        h('strong', { text: `${job.kind} · ${job.target}` }),
        chip(job.state, STATUS_TONE[job.state] ?? 'neutral'),
        h('span', { className: 'muted small' }, timeEl(job.startedAt), job.finishedAt ? [' to ', timeEl(job.finishedAt)] : null)),
      job.progress.length > 0
        ? h('ul', { className: 'job-progress' }, job.progress.map((p) => h('li', { className: 'small' },
          h('span', { className: 'job-col', text: p.collection }),
          ` ${fmtNumber(p.processed)}/${fmtNumber(p.total)} `,
          chip(p.status, STATUS_TONE[p.status] ?? 'neutral'),
          h('span', { className: 'muted', text: ` ${Object.entries(p.counts).map(([k, v]) => `${k} ${fmtNumber(v)}`).join(', ')}` }),
          p.error ? h('span', { className: 'error-text', text: ` ${p.error}` }) : null)))
        : null,
      job.error ? h('p', { className: 'error-text small', text: job.error }) : null,
    ));
  }
}

function renderHealth([health, latency]) {
  const badge = $('health-badge');
  const body = $('health-body');
  body.replaceChildren();
  if (!health) {
    badge.textContent = 'unknown';
    badge.className = 'badge';
    body.append(h('p', { className: 'empty', text: 'Waiting for /api/health.' }));
    return;
  }
  const tone = health.status === 'ok' ? 'ok' : health.status === 'degraded' ? 'warning' : 'critical';
  badge.textContent = health.status;
  badge.className = `badge badge-${tone}`;
  const rows = (health.checks ?? []).map((check) => h('tr', { dataset: { check: check.name } },
    h('th', { scope: 'row' }, h('span', { className: check.ok ? 'dot dot-ok' : 'dot dot-bad', 'aria-hidden': 'true' }), STORE_NAMES[check.name] ?? check.name),
    h('td', { text: check.ok ? 'ok' : 'failing' }),
    h('td', { className: 'num', text: fmtMs(check.latencyMs) }),
    h('td', {}, check.circuit ? chip(check.circuit, check.circuit === 'closed' ? 'ok' : check.circuit === 'open' ? 'critical' : 'warning', 'Circuit breaker in front of Redis') : h('span', { className: 'muted', text: '–' }))));
  body.append(h('table', { className: 'table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Store' }), h('th', { scope: 'col', text: 'State' }), h('th', { scope: 'col', className: 'num', text: 'Ping' }), h('th', { scope: 'col', text: 'Circuit' }))),
    h('tbody', {}, rows)));
  const details = (health.checks ?? []).filter((check) => check.detail).map((check) => h('li', { text: `${STORE_NAMES[check.name] ?? check.name}: ${check.detail}` }));
  if (details.length > 0) body.append(h('ul', { className: 'reasons small' }, details));

  if (latency) {
    const row = (store) => {
      const l = latency[store];
      return h('tr', { dataset: { latency: store } }, h('th', { scope: 'row', text: STORE_NAMES[store] }), h('td', { className: 'num', text: fmtMs(l?.p50) }), h('td', { className: 'num', text: fmtMs(l?.p99) }), h('td', { className: 'num', text: fmtNumber(l?.count ?? 0) }));
    };
    body.append(h('h3', { className: 'subhead', text: 'Read latency (compared reads)' }),
      h('table', { className: 'table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Store' }), h('th', { scope: 'col', className: 'num', text: 'p50' }), h('th', { scope: 'col', className: 'num', text: 'p99' }), h('th', { scope: 'col', className: 'num', text: 'Reads' }))),
        h('tbody', {}, row('json'), row('redis'))));
    if (!latency.json?.count && !latency.redis?.count) body.append(h('p', { className: 'muted small', text: 'Measured on the reads compared in shadow and live.' }));
  }
}

function renderAlerts(recent) {
  const list = $('alert-list');
  list.replaceChildren();
  if (recent.length === 0) {
    list.append(h('li', { className: 'empty', text: 'No alerts since this server started.' }));
    return;
  }
  for (const alert of recent.slice(0, 15)) {
    const tone = alert.state === 'firing' ? (alert.severity === 'critical' ? 'critical' : 'warning') : alert.state === 'resolved' ? 'ok' : 'neutral';
    list.append(h('li', { className: `alert alert-${alert.state}` },
      h('div', { className: 'alert-head' }, chip(alert.state, tone), h('span', { className: 'muted small' }, alert.collection ? `${alert.collection} · ` : '', timeEl(alert.at))),
      h('p', { className: 'alert-msg', text: alert.message })));
  }
}

const ENTITY_COLLECTION = { project: 'projects', resource: 'resources' };

function renderAudit(audit) {
  const list = $('audit-list');
  const error = $('audit-error');
  list.replaceChildren();
  error.hidden = !audit?.error;
  error.textContent = audit?.error ?? '';
  if (!audit) return;
  if (audit.items.length === 0) {
    list.append(h('li', { className: 'empty', text: 'No audit entries match these filters.' }));
    return;
  }
  for (const entry of audit.items) {
    const collection = ENTITY_COLLECTION[entry.entityType];
    const entity = collection && ID_PATTERN.test(entry.entityId)
      ? h('button', { type: 'button', className: 'link entity-link', dataset: { collection, id: entry.entityId }, title: `Show the history of ${entry.entityId}`, text: entry.entityId })
      : h('code', { className: 'entity-id', text: entry.entityId });
    const meta = entry.metadata ?? {};
    const changes = entry.changes ?? [];
    list.append(h('li', { className: 'audit-entry', dataset: { entryId: entry.id, entityType: entry.entityType, source: entry.source } },
      h('div', { className: 'audit-head' },
        chip(entry.action, entry.action === 'delete' ? 'critical' : entry.action === 'create' ? 'ok' : 'info'),
        h('span', { className: 'audit-what' }, h('span', { className: 'muted', text: `${entry.entityType} ` }), entity, meta.version ? h('span', { className: 'muted', text: ` v${meta.version}` }) : null),
        h('span', { className: 'audit-who', title: meta.userAgent ?? undefined }, h('span', { className: 'source', text: entry.source }), meta.clientId ? h('span', { className: 'client', text: ` · ${meta.clientId}` }) : null),
        h('span', { className: 'audit-when' }, timeEl(entry.timestamp))),
      meta.forced ? h('p', { className: 'warning-text small', text: `Forced. ${meta.note ?? ''}` }) : meta.note ? h('p', { className: 'muted small', text: meta.note }) : null,
      changes.length > 0 ? diffTable(changes) : h('p', { className: 'muted small', text: 'No field changes recorded.' }),
    ));
  }
}

function diffTable(changes) {
  return h('table', { className: 'diff' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Field' }), h('th', { scope: 'col', text: 'Before' }), h('th', { scope: 'col', text: 'After' }))),
    h('tbody', {}, changes.map((change) => h('tr', {},
      h('th', { scope: 'row', className: 'diff-field' }, h('code', { text: change.field })),
      valueCell(change.oldValue, 'diff-old'),
      valueCell(change.newValue, 'diff-new')))));
}

// ---------------------------------------------------------------------------------------------
// Controls

let stageTouched = false;
let percentTouched = false;

function targetCollections() {
  const value = $('action-collection').value;
  return value === 'all' ? COLLECTIONS : [value];
}

/** Keeps the stage select and the slider on useful defaults until the operator picks something. */
function syncControls() {
  const status = view.status;
  const stages = status?.stages?.length ? status.stages : DEFAULT_STAGES;
  const select = $('stage-select');
  if (select.options.length !== stages.length) {
    select.replaceChildren(...stages.map((stage) => h('option', { value: stage, text: stage })));
  }
  const current = targetCollections().map((name) => status?.collections?.[name]).filter(Boolean);
  if (!stageTouched && current.length > 0) {
    const lowest = Math.min(...current.map((c) => stages.indexOf(c.stage)));
    select.value = stages[Math.min(stages.length - 1, lowest + 1)] ?? stages[0];
  }
  if (!percentTouched) {
    const live = current.find((c) => c.stage === 'live');
    setPercent(live ? live.readPercent : 10);
  }
  $('percent-field').hidden = select.value !== 'live';
  const disabled = !status || view.actionInFlight;
  for (const button of document.querySelectorAll('[data-action]')) button.disabled = disabled;
  // With no migration on the server, every control of the panel is inert, not only its buttons.
  const inert = Boolean(session.noMigration);
  $('actions-none').hidden = !inert;
  for (const control of document.querySelectorAll('.panel-actions select, .panel-actions input')) control.disabled = inert;
  if (status) {
    document.querySelector('[data-action="pause"]').disabled = disabled || status.paused;
    document.querySelector('[data-action="resume"]').disabled = disabled || !status.paused;
  }
}

function setPercent(value) {
  $('read-percent').value = String(value);
  $('read-percent-value').textContent = `${value}%`;
}

function authorityChanges(from, to) {
  return STAGE_INFO[from]?.authoritative !== STAGE_INFO[to]?.authoritative;
}

/** What an action will do, in words for the confirmation, and the request that does it. */
function planAction(kind) {
  const collection = $('action-collection').value;
  const label = collection === 'all' ? 'both collections' : collection;
  const stage = $('stage-select').value;
  const readPercent = Number($('read-percent').value);
  const force = $('force-move').checked;
  const collections = targetCollections().map((name) => [name, view.status?.collections?.[name]]);
  switch (kind) {
    case 'backfill':
      return { title: `Backfill ${label}?`, description: 'Copies every document from the JSON files into Redis. It never overwrites a newer document and resumes from its checkpoint.', confirm: 'Start backfill', path: 'backfill', payload: { collection } };
    case 'verify':
      return { title: `Verify ${label}?`, description: 'Compares every id in both stores by checksum. Differences go to the repair queue.', confirm: 'Start verify', path: 'verify', payload: { collection } };
    case 'repair':
      return { title: `Repair ${label}?`, description: 'Copies each queued id from the authoritative store to the other one.', confirm: 'Start repair', path: 'repair', payload: { collection } };
    case 'pause':
      return { title: 'Pause background work?', description: 'Running backfill and repair jobs stop at their next batch, for both collections. A verify, which only reads, runs on; so do reads and writes.', confirm: 'Pause', path: 'pause', payload: {} };
    case 'resume':
      return { title: 'Resume background work?', description: 'Jobs stopped by the pause start again from their checkpoints.', confirm: 'Resume', path: 'resume', payload: {} };
    case 'advance':
    case 'rollback': {
      const verb = kind === 'advance' ? 'Advance' : 'Roll back';
      const percentText = stage === 'live' ? ` at ${readPercent}% of reads from Redis` : '';
      const switchesStore = collections.some(([, c]) => c && authorityChanges(c.stage, stage));
      const notes = collections.map(([name, c]) => (c ? `${name}: ${c.stage}${c.stage === 'live' ? ` (${c.readPercent}%)` : ''} to ${stage}${stage === 'live' ? ` (${readPercent}%)` : ''}` : name));
      if (switchesStore) notes.push('This switches the authoritative store. Writes are fenced for a couple of seconds while every instance follows.');
      if (force) notes.push('Forced: the guards are overridden, and the move is audited as forced.');
      const payload = { stage, collection, force };
      if (stage === 'live') payload.readPercent = readPercent;
      return { title: `${verb} ${label} to ${stage}${percentText}?`, description: kind === 'advance' ? 'The move is guarded: the server refuses it, and says why, while earlier work is unfinished.' : 'Rolling back is refused while the JSON files lack writes that Redis took.', notes, switchesStore, confirm: verb, danger: kind === 'rollback' || force, path: kind, payload };
    }
    default:
      throw new Error(`unknown action ${kind}`);
  }
}

function describeStages(status) {
  return COLLECTIONS.map((name) => {
    const c = status?.collections?.[name];
    return c ? `${name} at ${c.stage}${c.stage === 'live' ? ` (${c.readPercent}% of reads from Redis)` : ''}` : null;
  }).filter(Boolean).join('; ');
}

let actionSeq = 0;

function showResult(tone, title, message) {
  const target = $('action-result');
  if (tone === 'pending') actionSeq += 1;
  // Lets a test (or anyone reading the DOM) tell this action's answer from the previous one's.
  target.dataset.seq = String(actionSeq);
  target.hidden = false;
  target.className = `result result-${tone}`;
  target.replaceChildren(h('strong', { className: 'result-title', text: title }), message ? h('p', { className: 'result-msg', text: message }) : null);
}

async function runAction(kind, button) {
  const plan = planAction(kind);
  const confirmed = await confirmDialog(plan);
  if (!confirmed) return;
  view.actionInFlight = true;
  syncControls();
  button.setAttribute('aria-busy', 'true');
  showResult('pending', `${plan.confirm}…`, plan.switchesStore ? 'Switching the authoritative store: this takes a couple of seconds.' : null);
  schedule(FAST_POLL_MS);
  try {
    const { data } = await request(`/api/admin/migration/${plan.path}`, { method: 'POST', body: plan.payload });
    if (data?.job) {
      showResult('ok', `${kind[0].toUpperCase()}${kind.slice(1)} started`, `Job ${data.job.key} is running; its progress shows on the collections.`);
    } else {
      if (data?.collections) view.status = data;
      const summary = kind === 'pause' ? 'Backfill and repair jobs stop at their next batch.' : kind === 'resume' ? 'Paused jobs start again.' : `Now: ${describeStages(data)}.`;
      showResult('ok', kind === 'advance' ? 'Advanced' : kind === 'rollback' ? 'Rolled back' : kind === 'pause' ? 'Paused' : 'Resumed', summary);
    }
    if (kind === 'advance' || kind === 'rollback') {
      stageTouched = false;
      percentTouched = false;
      $('force-move').checked = false;
    }
  } catch (error) {
    const code = error instanceof ApiError ? error.code : 'ERROR';
    if (error instanceof ApiError && error.status === 401) {
      forgetToken(`The server refused the token: ${error.message}`);
      return;
    }
    showResult('error', code === 'MIGRATION_GUARD' ? 'Refused by a guard' : `Failed (${code})`, error.message);
  } finally {
    view.actionInFlight = false;
    button.removeAttribute('aria-busy');
    syncControls();
    void refresh();
  }
}

// ---------------------------------------------------------------------------------------------
// Dialogs

/** The in-page confirmation: resolves true on Confirm, false on Cancel or Escape. */
function confirmDialog(plan) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = plan.title;
  $('confirm-body').textContent = plan.description;
  const notes = $('confirm-notes');
  notes.replaceChildren(...(plan.notes ?? []).map((note) => h('li', { text: note })));
  notes.hidden = !plan.notes?.length;
  const ok = $('confirm-ok');
  ok.textContent = plan.confirm;
  ok.className = plan.danger ? 'btn btn-danger' : 'btn btn-primary';
  return new Promise((resolve) => {
    const finish = (value) => {
      ok.removeEventListener('click', onOk);
      $('confirm-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => finish(true);
    const onCancel = () => finish(false);
    const onClose = () => finish(false);
    ok.addEventListener('click', onOk);
    $('confirm-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    // Cancel is the safe default for Enter.
    $('confirm-cancel').focus();
  });
}

let historyRequest = 0;

async function openHistory(collection, id) {
  if (!COLLECTIONS.includes(collection) || !ID_PATTERN.test(id)) return;
  const ticket = ++historyRequest;
  const dialog = $('history-dialog');
  const body = $('history-body');
  $('history-title').textContent = `History of ${id}`;
  body.replaceChildren(h('p', { className: 'muted', text: 'Loading…' }));
  if (!dialog.open) dialog.showModal();
  const base = `/api/${collection}/${encodeURIComponent(id)}`;
  const [current, history] = await Promise.allSettled([request(base), request(`${base}/history?limit=20`)]);
  // Another document was clicked meanwhile; its answer owns the panel.
  if (ticket !== historyRequest) return;
  body.replaceChildren();
  if (current.status === 'fulfilled') {
    const doc = current.value.data;
    body.append(h('div', { className: 'history-current' },
      h('p', {}, h('span', { className: 'muted', text: `${collection.slice(0, -1)} · now at ` }), h('strong', { text: `v${doc.metadata?.version ?? '?'}` }), doc.metadata?.status ? [' · ', chip(doc.metadata.status, doc.metadata.status === 'published' ? 'ok' : 'neutral')] : null),
      h('p', { className: 'history-doc-title', text: doc.title ?? id }),
      h('p', { className: 'muted small' }, 'updated ', timeEl(doc.metadata?.updatedAt))));
  } else {
    body.append(h('p', { className: 'muted', text: current.reason.status === 404 ? 'This document no longer exists (deleted).' : current.reason.message }));
  }
  if (history.status === 'rejected') {
    body.append(h('p', { className: 'error-text', text: history.reason.message }));
    return;
  }
  const entries = history.value.data ?? [];
  if (entries.length === 0) {
    body.append(h('p', { className: 'empty', text: 'No earlier versions: it has not been changed since it was created or copied.' }));
    return;
  }
  body.append(h('ol', { className: 'history-list' }, entries.map((entry) => {
    const by = entry.replacedBy ?? {};
    return h('li', { className: 'history-entry', dataset: { version: String(entry.version) } },
      h('div', { className: 'history-head' },
        h('strong', { text: `v${entry.version}` }),
        h('span', { className: 'muted small' }, ` replaced by v${by.version} (${by.action} via `, h('span', { className: 'source', text: by.source ?? '?' }), by.clientId ? ` · ${by.clientId}` : '', ') at ', timeEl(entry.replacedAt))),
      h('p', { className: 'small', text: `Title then: ${entry.document?.title ?? '(none)'}` }),
      by.changes?.length ? diffTable(by.changes) : null,
      h('details', {}, h('summary', { text: `Document at v${entry.version}` }), h('pre', { className: 'doc-json', text: JSON.stringify(entry.document, null, 2) })));
  })));
}

// ---------------------------------------------------------------------------------------------
// The token

function showLogin(message) {
  $('main').hidden = true;
  $('login').hidden = false;
  $('forget-token').hidden = true;
  const error = $('login-error');
  error.hidden = !message;
  error.textContent = message ?? '';
  const input = $('token-input');
  input.value = '';
  input.focus();
  $('refresh-state').textContent = 'Not connected';
  $('refresh-state').className = 'refresh';
  $('global-chips').replaceChildren();
}

function showDashboard() {
  $('login').hidden = true;
  $('main').hidden = false;
  $('forget-token').hidden = false;
}

function forgetToken(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  session.token = null;
  session.noMigration = null;
  stopPolling();
  // Nothing fetched with the token stays on screen once it is gone.
  Object.assign(view, { status: null, alerts: null, health: null, audit: null, lastUpdated: null, lastError: null });
  view.rendered.clear();
  for (const id of ['collections', 'job-list', 'alert-list', 'audit-list', 'firing-list', 'health-body']) $(id).replaceChildren();
  $('action-result').hidden = true;
  for (const id of ['confirm-dialog', 'history-dialog']) {
    const dialog = $(id);
    if (dialog.open) dialog.close();
  }
  showLogin(message);
}

async function connect(token) {
  const submit = $('login-submit');
  submit.disabled = true;
  try {
    // /api/admin/alerts exists on every server and needs the read-write token, so it tells a
    // wrong or read-only token apart before anything is shown.
    await request('/api/admin/alerts', { token });
    session.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    showDashboard();
    await refresh();
  } catch (error) {
    showLogin(error instanceof ApiError && error.status === 0 ? error.message : `Not accepted: ${error.message}`);
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function wire() {
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token-input').value.trim();
    if (!token) {
      showLogin('Enter the token.');
      return;
    }
    void connect(token);
  });
  $('forget-token').addEventListener('click', () => forgetToken('Token forgotten. Enter it again to reconnect.'));

  for (const button of document.querySelectorAll('[data-action]')) {
    button.addEventListener('click', () => void runAction(button.dataset.action, button));
  }
  $('action-collection').addEventListener('change', () => {
    stageTouched = false;
    percentTouched = false;
    syncControls();
  });
  $('stage-select').addEventListener('change', () => {
    stageTouched = true;
    syncControls();
  });
  $('read-percent').addEventListener('input', () => {
    percentTouched = true;
    $('read-percent-value').textContent = `${$('read-percent').value}%`;
  });
  for (const id of ['audit-entity', 'audit-source']) {
    $(id).addEventListener('change', () => {
      view.audit = null;
      view.rendered.delete('audit');
      $('audit-list').replaceChildren(h('li', { className: 'empty', text: 'Loading…' }));
      void refresh();
    });
  }
  // One listener for every entity button, since the audit list is rebuilt as entries arrive.
  $('audit-list').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('.entity-link') : null;
    if (button) void openHistory(button.dataset.collection, button.dataset.id);
  });
  $('history-close').addEventListener('click', () => $('history-dialog').close());
  // A click on the backdrop (outside the panel) closes the history drawer.
  $('history-dialog').addEventListener('click', (event) => {
    if (event.target === $('history-dialog')) $('history-dialog').close();
  });
  document.addEventListener('visibilitychange', () => {
    if (session.token) schedule(document.hidden ? HIDDEN_POLL_MS : 0);
  });

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    session.token = saved;
    showDashboard();
    void refresh();
  } else {
    showLogin();
  }
}

wire();
