/**
 * JSON text of stored documents, made once per document object. Documents are never mutated in
 * place (a write replaces the object), so the text of an object stays right for its lifetime.
 */
import type { Doc } from '../domain/collections.js';
import type { RawDoc } from './port.js';

const texts = new WeakMap<Doc, string>();

export function jsonOf(doc: Doc): string {
  let text = texts.get(doc);
  if (text === undefined) {
    text = JSON.stringify(doc);
    texts.set(doc, text);
  }
  return text;
}

export function rawOf(doc: Doc): RawDoc {
  return { json: jsonOf(doc), status: doc.metadata.status, version: doc.metadata.version, checksum: doc.metadata.checksum };
}

export function itemsJsonOf(docs: readonly Doc[]): string {
  return `[${docs.map(jsonOf).join(',')}]`;
}
