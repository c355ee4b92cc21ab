// The Vercel Function: every path is rewritten here (vercel.json) and served by the same Hono
// app as `contentkv serve`. The compiled code in dist/ is built by `npm install` (prepare).
import { handle } from 'hono/vercel';
import { createServerlessApp } from '../dist/runtime/serverless.js';

const handler = handle(await createServerlessApp());

export const GET = handler;
export const HEAD = handler;
export const POST = handler;
export const PUT = handler;
export const PATCH = handler;
export const DELETE = handler;
export const OPTIONS = handler;
