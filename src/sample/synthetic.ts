/**
 * Synthetic projects and resources for tests and benchmarks.
 *
 * The seed's targets (1,000+ documents, 10x growth, read <= 100 ms) can only be checked against
 * a store holding many documents shaped like the real ones, and the hand-written sample content
 * in `data/` has a handful. These generators fill that gap:
 *
 * - Deterministic: the same index (and `now`) always gives the same document, byte for byte, so
 *   a failing test or a benchmark run can be reproduced and two stores can be compared.
 * - Valid: every document passes `projectSchema` / `resourceSchema` and carries a correct
 *   checksum, so generated data exercises the real write and verify paths rather than their
 *   error branches.
 * - Realistic in the ways that cost something: about 2 KB of JSON each (like the real
 *   documents), about 80% published / 15% draft / 5% archived, about 10% featured, and tags from
 *   a small vocabulary so tag and status filters return many matches, as they do on the site.
 */
import type { Collection, Doc } from '../domain/collections.js';
import type { Status } from '../domain/fields.js';
import type { Project } from '../domain/project.js';
import type { Resource } from '../domain/resource.js';
import { withChecksum } from '../domain/canonical.js';

export interface SyntheticOptions {
  /** Anchor for timestamps; a fixed default keeps output identical across runs and machines. */
  now?: Date;
  status?: Status;
  featured?: boolean;
}

export interface SyntheticDocsOptions {
  /** First index, so a benchmark can grow an existing data set without colliding ids. */
  start?: number;
  now?: Date;
}

/** Fixed rather than `new Date()`: otherwise no two runs would produce the same documents. */
export const SYNTHETIC_EPOCH = new Date('2026-01-01T00:00:00.000Z');

const MINUTE_MS = 60_000;

// Each serialized document lands in [MIN, MIN + SPREAD) bytes: inside the 1.8-2.4 KB band the
// tests require, with some spread so size-dependent code paths do not see one constant size.
const SIZE_MIN_BYTES = 1_950;
const SIZE_SPREAD_BYTES = 300;

export const SYNTHETIC_TAGS = [
  'AI',
  'Automation',
  'Chatbot',
  'RAG',
  'n8n',
  'Make',
  'Zapier',
  'OpenAI',
  'Customer Support',
  'Operations',
  'Sales',
  'Finance',
  'Marketing',
  'Healthcare',
  'Legal',
] as const;

// All word lists are plain ASCII without quotes or backslashes: one character is then one byte
// of JSON, which is what lets the size targeting below be exact.
const CLIENT_TYPES = [
  'Independent dental practice',
  'Online furniture retailer',
  'Regional logistics company',
  'Accounting and payroll firm',
  'Boutique hotel group',
  'Property management agency',
  'Specialty coffee roaster',
  'Veterinary clinic network',
  'Industrial parts distributor',
  'Digital marketing agency',
  'Private tutoring company',
  'Solar installation company',
  'Insurance brokerage',
  'Craft brewery with a taproom',
  'IT managed-service provider',
  'Architecture studio',
  'Fitness studio chain',
  'Wholesale florist',
  'Employment law practice',
  'Specialist recruitment agency',
] as const;

const CLIENT_SIZES = [
  '4 employees',
  '12 employees',
  '25 employees',
  '40 employees across two offices',
  '60 employees',
  '8 staff and 30 contractors',
  '3 locations, 35 staff',
  '110 employees',
] as const;

const SOLUTION_KINDS = [
  { name: 'AI Support Assistant', task: 'answering customer questions' },
  { name: 'Invoice Processing Automation', task: 'keying supplier invoices' },
  { name: 'Lead-Qualification Chatbot', task: 'screening inbound leads' },
  { name: 'RAG Knowledge Base', task: 'searching internal documents' },
  { name: 'Appointment Scheduling Automation', task: 'booking and moving appointments' },
  { name: 'Quote Generation Workflow', task: 'preparing quotes' },
  { name: 'Email Triage Assistant', task: 'sorting the shared inbox' },
  { name: 'Inventory Reorder Automation', task: 'checking stock and reordering' },
  { name: 'Meeting Notes and CRM Sync', task: 'updating the CRM after calls' },
  { name: 'Onboarding Document Assistant', task: 'collecting onboarding paperwork' },
  { name: 'Review Response Assistant', task: 'replying to online reviews' },
  { name: 'Contract Summary Tool', task: 'reading contracts for key terms' },
] as const;

const TOOLS = [
  'OpenAI GPT-4o',
  'OpenAI GPT-4o mini',
  'n8n',
  'Make',
  'Zapier',
  'Airtable',
  'HubSpot',
  'Google Sheets',
  'Slack',
  'Twilio',
  'Xero API',
  'Shopify Admin API',
  'Supabase pgvector',
  'Microsoft Teams',
  'Postmark',
] as const;

const FEATURES = [
  'Answers grounded in the client documents, each with a source link',
  'Escalation to a person with a short summary already written',
  'Arithmetic and duplicate checks before anything is posted',
  'Review queue with one-click approve or correct',
  'Daily digest of items that need a human decision',
  'Audit log of every automated action',
  'Access rights mirrored from the existing file shares',
  'Reminders with one-tap confirm, cancel and reschedule links',
  'Scoring with written reasons stored on the CRM record',
  'Weekly report of questions the assistant could not answer',
  'Opt-out and consent handling for outbound messages',
  'Fallback to the old manual process if an API is down',
  'Templates in the house style, editable by the team',
  'Redaction of personal data before any model call',
  'Usage and cost dashboard per month',
  'Round-robin routing by territory and workload',
] as const;

const FIRST_NAMES = ['Anna', 'Ben', 'Chloe', 'Daniel', 'Elif', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kemi', 'Luca'] as const;
const LAST_NAMES = ['Berger', 'Costa', 'Dubois', 'Evans', 'Fischer', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Moreau', 'Novak'] as const;
const ROLES = ['Founder', 'Operations Manager', 'Managing Director', 'Head of Sales', 'Office Manager', 'Finance Lead'] as const;

const INSIGHTS = [
  { title: 'Decide what the system must never do alone', text: 'Writing down the cases that always go to a person, before building anything, made the team comfortable switching it on.' },
  { title: 'Validate the numbers, not just the text', text: 'Models read documents well and still occasionally invent a digit. Cheap arithmetic checks caught nearly every error.' },
  { title: 'Ask fewer questions, later', text: 'Enriching what was already known and asking only for the rest doubled the completion rate.' },
  { title: 'Clean the inputs first', text: 'Removing drafts and duplicates improved results more than any change to prompts or retrieval.' },
  { title: 'Make the easy action the right one', text: 'When the correct action took one tap, people took it instead of ignoring the message.' },
  { title: 'Measure before and after', text: 'A two-week baseline of the manual process made the results easy to trust and easy to explain.' },
] as const;

const RESOURCE_KINDS = ['Template', 'Guide', 'Checklist', 'Prompt Pack', 'Calculator', 'Workbook', 'Playbook'] as const;
const RESOURCE_TOPICS = [
  'Customer Support Automation',
  'Invoice Capture',
  'Lead Qualification',
  'RAG Project',
  'Appointment Reminder',
  'AI Usage Policy',
  'Email Triage',
  'Automation ROI',
  'CRM Hygiene',
  'Chatbot Launch',
  'Document Extraction',
] as const;
const PRICES = [9, 19, 29, 39, 49, 79, 99] as const;

// Filler sentences for the one free-text field that absorbs the size target.
const FILLER = [
  'The team kept the existing tools and the automation sits around them rather than replacing them.',
  'Every automated step writes a short note so staff can see what happened and why.',
  'The first two weeks ran in shadow mode, with people checking each suggestion before it went out.',
  'Edge cases found during the pilot were turned into explicit rules instead of prompt tweaks.',
  'Running costs stay under a few hundred a month, most of it model usage at peak times.',
  'A one-page runbook explains how to pause the workflow and fall back to the manual process.',
  'Staff were involved from the start, which made adoption a non-issue after launch.',
  'Monthly reviews look at the items that still needed a person and whether any can be automated safely.',
  'Data stays in the client systems; the workflow only moves what each step needs.',
  'The setup was documented so the client can change rules and templates without outside help.',
  'Metrics come from the client systems, compared with a baseline taken before the project.',
  'Where a model is unsure it says so, and the item goes to a person with the context attached.',
  'Prompts and rules live in version control, so every change can be reviewed and rolled back.',
  'Alerts go to a shared channel when volumes or error rates move outside their usual range.',
  'The rollout started with one team and one process, then widened once the numbers held up.',
  'Model calls are batched where possible, which keeps latency low and the monthly bill predictable.',
  'Customers were told when they were talking to an assistant and could always reach a person.',
  'Test cases taken from real past work run before every change goes live.',
] as const;

/** A small integer hash, so picks from different lists do not move in lockstep with the index. */
function mix(index: number, salt: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

function pick<T>(list: readonly T[], index: number, salt: number): T {
  return list[mix(index, salt) % list.length] as T;
}

/** `count` distinct items: a stride coprime with the length never revisits an item. */
function pickDistinct<T>(list: readonly T[], index: number, salt: number, count: number): T[] {
  const stride = strideFor(list.length);
  const start = mix(index, salt) % list.length;
  return Array.from({ length: Math.min(count, list.length) }, (_, i) => list[(start + i * stride) % list.length] as T);
}

function strideFor(length: number): number {
  for (let stride = 7; stride > 1; stride--) if (gcd(stride, length) === 1) return stride;
  return 1;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Tags use a plain modulus rather than the hash so every tag gets an even share (each appears
 * in roughly a quarter of the documents), which keeps tag-filter benchmarks comparable.
 */
function tagsFor(index: number): string[] {
  const count = 3 + (index % 3);
  const start = (index * 7) % SYNTHETIC_TAGS.length;
  return Array.from({ length: count }, (_, i) => SYNTHETIC_TAGS[(start + i * 4) % SYNTHETIC_TAGS.length] as string);
}

/**
 * 19 is coprime with 100, so every run of 100 consecutive indices holds exactly 80 published,
 * 15 drafts and 5 archived, and the statuses are interleaved rather than in blocks.
 */
function statusFor(index: number): Status {
  const slot = (index * 19 + 7) % 100;
  if (slot < 80) return 'published';
  if (slot < 95) return 'draft';
  return 'archived';
}

function featuredFor(index: number): boolean {
  return (index * 3 + 1) % 10 === 0;
}

/** Created one minute apart going back from `now`, so ordering by date is total and stable. */
function timestampsFor(index: number, now: Date): { createdAt: string; updatedAt: string } {
  const created = now.getTime() - index * MINUTE_MS;
  // Under a minute later: an edit never lands after `now` or after the next-newer document was created.
  const updated = index === 0 ? created : created + (mix(index, 99) % 59) * 1000;
  return { createdAt: new Date(created).toISOString(), updatedAt: new Date(updated).toISOString() };
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`synthetic index must be a non-negative integer, got ${index}`);
}

function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

/** Lower-cases the first letter unless the first word is an acronym such as "IT". */
function lowerFirst(text: string): string {
  return /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function padId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(6, '0')}`;
}

function fillerText(index: number, salt: number, length: number): string {
  if (length <= 0) return '';
  // A distinct walk through the list, so sentences only repeat once all of them have been used.
  const order = pickDistinct(FILLER, index, salt, FILLER.length);
  let text = '';
  for (let i = 0; text.length < length; i++) text += (text ? ' ' : '') + order[i % order.length];
  if (text.length === length) return text;
  // Cut at a word boundary and end on a full stop so the text still reads as prose; this lands
  // a few bytes under the target at most, well inside the size band.
  const cut = text.lastIndexOf(' ', length - 1);
  return cut > 0 ? `${text.slice(0, cut).replace(/[.,]$/, '')}.` : text.slice(0, length);
}

/**
 * Calls `fill` with the number of bytes the padded field must hold for the document to
 * serialize to about `target` bytes. Measuring with the placeholder checksum is exact because a
 * real checksum has the same length.
 */
function sizeTo<T extends { metadata: { checksum: string } }>(doc: T, target: number, fill: (length: number) => T): T {
  const base = Buffer.byteLength(JSON.stringify(doc));
  return fill(Math.max(0, target - base));
}

const PLACEHOLDER_CHECKSUM = '0'.repeat(64);

export function syntheticProject(index: number, options: SyntheticOptions = {}): Project {
  checkIndex(index);
  const now = options.now ?? SYNTHETIC_EPOCH;
  const id = padId('project', index);
  const kind = pick(SOLUTION_KINDS, index, 1);
  const clientType = pick(CLIENT_TYPES, index, 2);
  const hoursBefore = 3 + (mix(index, 3) % 20);
  const minutesAfter = 1 + (mix(index, 4) % 45);
  const percent = 30 + (mix(index, 5) % 61);
  const hoursSaved = 10 + (mix(index, 6) % 140);
  const person = `${pick(FIRST_NAMES, index, 7)} ${pick(LAST_NAMES, index, 8)}`;
  const insight = pick(INSIGHTS, index, 9);
  const hasMedia = index % 3 === 0;
  const project: Project = {
    id,
    title: `${kind.name} for ${withArticle(lowerFirst(clientType))} (#${index})`,
    result: `Cut time spent ${kind.task} from ${hoursBefore} h to ${minutesAfter} min a day and automated ${percent}% of the work`,
    tags: tagsFor(index),
    image: `/images/projects/${id}.jpg`,
    client: {
      type: clientType,
      size: pick(CLIENT_SIZES, index, 10),
      objective: `Spend less time ${kind.task} without hiring, and without lowering quality for customers.`,
    },
    challenge: `Staff spent about ${hoursBefore} hours a day ${kind.task}. Work piled up at peak times, mistakes were found late, and nobody had time for the tasks that grow the business.`,
    solution: {
      description: `${capitalize(withArticle(kind.name.toLowerCase()))} connected to the tools the team already used, with clear rules for what it handles alone and what goes to a person.`,
      tools: pickDistinct(TOOLS, index, 11, 3 + (index % 3)),
      features: pickDistinct(FEATURES, index, 12, 3 + ((index >> 1) % 3)),
      ...(hasMedia ? { videoUrl: `https://videos.example.com/watch/${id}` } : {}),
      screenshots: [`/images/projects/${id}/overview.png`, `/images/projects/${id}/detail.png`],
      ...(hasMedia ? { demoLink: `https://demo.example.com/${id}` } : {}),
    },
    description: '',
    testimonial: {
      text: `It took over the part of the job nobody enjoyed, and we can see exactly what it did. We would do it again.`,
      author: `${person}, ${pick(ROLES, index, 13)}`,
      avatar: `/images/testimonials/${id}.jpg`,
    },
    results: [
      `${percent}% of items handled without a person`,
      `${hoursSaved} staff hours saved per month`,
      `Turnaround down from ${hoursBefore} hours to ${minutesAfter} minutes`,
    ],
    insight: {
      title: insight.title,
      text: insight.text,
      // Links point at ids syntheticResource produces, so link-following code finds a target.
      ...(index % 2 === 0 ? { resourceLink: { text: 'Get the related resource', url: `/resources/${padId('resource', index)}` } } : {}),
    },
    metadata: {
      ...timestampsFor(index, now),
      featured: options.featured ?? featuredFor(index),
      status: options.status ?? statusFor(index),
      version: 1,
      checksum: PLACEHOLDER_CHECKSUM,
    },
  };
  const target = SIZE_MIN_BYTES + (mix(index, 14) % SIZE_SPREAD_BYTES);
  const sized = sizeTo(project, target, (length) => ({ ...project, description: fillerText(index, 15, length) }));
  return withChecksum(sized);
}

export function syntheticResource(index: number, options: SyntheticOptions = {}): Resource {
  checkIndex(index);
  const now = options.now ?? SYNTHETIC_EPOCH;
  const id = padId('resource', index);
  const kind = pick(RESOURCE_KINDS, index, 21);
  const topic = pick(RESOURCE_TOPICS, index, 22);
  const status = options.status ?? statusFor(index);
  // Mostly numbers, as on the real site; some free, and a few legacy "$NN" strings.
  const price: number | string = index % 5 === 0 ? 0 : index % 11 === 3 ? `$${pick(PRICES, index, 23)}` : pick(PRICES, index, 23);
  const pages = 8 + (mix(index, 24) % 40);
  const resource: Resource = {
    id,
    title: `${topic} ${kind} (#${index})`,
    description: `A ${pages}-page ${kind.toLowerCase()} for small teams working on ${topic.toLowerCase()}, based on real client projects.`,
    longDescription: '',
    image: `/images/resources/${id}.jpg`,
    tags: tagsFor(index),
    price,
    downloadLink: price === 0 ? `/downloads/${id}.pdf` : `https://store.example.com/l/${id}`,
    gallery: Array.from({ length: 1 + (index % 3) }, (_, i) => `/images/resources/${id}/page-${i + 1}.png`),
    metadata: {
      ...timestampsFor(index, now),
      featured: options.featured ?? featuredFor(index),
      status,
      version: 1,
      checksum: PLACEHOLDER_CHECKSUM,
      // Only some carry a count, as in the original data, so code must handle its absence.
      ...(status === 'published' && index % 3 !== 0 ? { downloadCount: mix(index, 25) % 5000 } : {}),
    },
  };
  const target = SIZE_MIN_BYTES + (mix(index, 26) % SIZE_SPREAD_BYTES);
  const intro = `What is inside: worksheets, examples and step-by-step instructions for ${topic.toLowerCase()}. `;
  const sized = sizeTo(resource, target, (length) => ({
    ...resource,
    longDescription: length <= intro.length ? fillerText(index, 27, length) : intro + fillerText(index, 27, length - intro.length),
  }));
  return withChecksum(sized);
}

export function syntheticDocs(collection: Collection, count: number, options: SyntheticDocsOptions = {}): Doc[] {
  const start = options.start ?? 0;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const make = collection === 'projects' ? syntheticProject : syntheticResource;
  const docOptions: SyntheticOptions = options.now ? { now: options.now } : {};
  return Array.from({ length: count }, (_, i) => make(start + i, docOptions));
}
