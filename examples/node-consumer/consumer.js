#!/usr/bin/env node
// A downstream consumer of khabar's news.articles.v1 in Node.js (kafkajs + ajv).
//
//   npm ci
//   node consumer.js --bootstrap 127.0.0.1:9092 --group my-team --limit 10
//
// It reads as a consumer group (offsets committed after each message is handled), validates
// every value against the topic's JSON Schema (schemas/news.articles.v1.json, draft 2020-12),
// ignores fields it does not know (the schema never forbids them) and prints one line per
// article: "<partition>/<offset> <source_id>: <title>". An invalid message is reported on stderr
// and skipped, never a crash. See docs/consuming.md.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { decompress } from "fzstd";
import kafkajs from "kafkajs"; // CommonJS: named imports are not available from ESM

const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    bootstrap: { type: "string", default: "127.0.0.1:9092" },
    topic: { type: "string", default: "news.articles.v1" },
    group: { type: "string", default: "example-node-consumer" },
    schema: { type: "string", default: resolve(here, "../../schemas/news.articles.v1.json") },
    limit: { type: "string" }, // stop after N articles
    "idle-ms": { type: "string" }, // stop when nothing arrived for this long
  },
});
const limit = args.limit ? Number(args.limit) : Infinity;

// khabar's topics are zstd-compressed (compression.type=zstd) and kafkajs ships no zstd codec:
// fzstd is a pure-JavaScript decompressor (a consumer never compresses, so no native build).
CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  async compress() {
    throw new Error("this consumer only reads");
  },
  async decompress(buffer) {
    return Buffer.from(decompress(buffer));
  },
});

// strict: false because khabar's schemas use annotations ajv does not know (x-schema-version).
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(args.schema, "utf8")));
const expectedType = validate.schema.title; // e.g. news.articles.v1

const kafka = new Kafka({
  clientId: "khabar-node-consumer",
  brokers: args.bootstrap.split(","),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({
  groupId: args.group,
  maxBytesPerPartition: 4 * 1024 * 1024, // larger than the biggest message (2 MiB)
});

let seen = 0;
let lastMessageAt = Date.now();
let stopping = false;
let idleTimer;

function headerText(headers, name) {
  const value = headers?.[name];
  return value === undefined ? undefined : value.toString("utf8");
}

function handle({ partition, message }) {
  const where = `${partition}/${message.offset}`;
  // ce_type is "<schema>:<schema_version>"; older messages only carry the "schema" header.
  const type = headerText(message.headers, "ce_type")?.split(":")[0] ?? headerText(message.headers, "schema");
  if (type && type !== expectedType) {
    console.error(`skipping ${type} at ${where}`);
    return;
  }
  let article;
  try {
    article = JSON.parse(message.value.toString("utf8"));
  } catch (err) {
    console.error(`not JSON at ${where}: ${err.message}`);
    return;
  }
  if (!validate(article)) {
    const why = validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
    console.error(`invalid at ${where}: ${why}`);
    return;
  }
  console.log(`${where} ${article.source_id}: ${article.title}`);
}

async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(idleTimer);
  await consumer.disconnect();
}

await consumer.connect();
await consumer.subscribe({ topics: [args.topic], fromBeginning: true }); // a new group starts at the oldest
await consumer.run({
  autoCommit: false, // commit what was handled, not merely fetched: at least once
  eachMessage: async ({ topic, partition, message }) => {
    if (stopping || seen >= limit) return;
    handle({ partition, message });
    seen += 1;
    lastMessageAt = Date.now();
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    if (seen >= limit) setImmediate(stop);
  },
});

const idleMs = args["idle-ms"] ? Number(args["idle-ms"]) : undefined;
if (idleMs) {
  idleTimer = setInterval(() => {
    if (Date.now() - lastMessageAt > idleMs) stop();
  }, 200);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stop().then(() => process.exit(0)));
