// Uploads Readable stream bodies with @aws-sdk/client-s3, once per checksum
// algorithm: over plain HTTP the SDK sends them as aws-chunked
// STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies with the checksum in a trailer.
// Then reads each object back with ChecksumMode ENABLED and compares the bytes
// and the checksum with values computed here (independently of the SDK).
//
// env: LH_ENDPOINT (http://host:port), LH_AK, LH_SK, LH_BUCKET
// exit 0 and "ok ..." lines on success; non-zero with a message otherwise.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@aws-sdk/client-s3/package.json", import.meta.url))).version;
console.log(`@aws-sdk/client-s3 ${sdkVersion} node ${process.version}`);

function table(poly, bits) {
  const t = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
}
const T32C = table(0x82f63b78n), T64 = table(0x9a6c9329ac4bc9b5n);
function crcRefl(buf, t, mask) {
  let c = mask;
  for (const b of buf) c = t[Number((c ^ BigInt(b)) & 0xffn)] ^ (c >> 8n);
  return c ^ mask;
}
function be(n, bytes) {
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) { out[i] = Number(n & 0xffn); n >>= 8n; }
  return out;
}
const expected = {
  CRC32: (b) => be(BigInt(zlib.crc32(b)), 4).toString("base64"),
  CRC32C: (b) => be(crcRefl(b, T32C, 0xffffffffn), 4).toString("base64"),
  CRC64NVME: (b) => be(crcRefl(b, T64, 0xffffffffffffffffn), 8).toString("base64"),
  SHA1: (b) => createHash("sha1").update(b).digest("base64"),
  SHA256: (b) => createHash("sha256").update(b).digest("base64"),
};
if (expected.CRC32C(Buffer.from("123456789")) !== be(0xe3069283n, 4).toString("base64")) throw new Error("crc32c self-check");
if (expected.CRC64NVME(Buffer.from("123456789")) !== be(0xae8b14860a799888n, 8).toString("base64")) throw new Error("crc64nvme self-check");

const { LH_ENDPOINT, LH_AK, LH_SK, LH_BUCKET } = process.env;
const s3 = new S3Client({
  endpoint: LH_ENDPOINT, region: "us-east-1", forcePathStyle: true, maxAttempts: 1,
  credentials: { accessKeyId: LH_AK, secretAccessKey: LH_SK },
});

const seen = [];
s3.middlewareStack.add((next) => async (args) => {
  seen.push({ ...args.request.headers });
  return next(args);
}, { step: "finalizeRequest", name: "captureHeaders", priority: "low" });

async function toBuffer(body) {
  const parts = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function streamOf(buf, piece) {
  return Readable.from((function* () {
    for (let i = 0; i < buf.length; i += piece) yield buf.subarray(i, i + piece);
  })());
}

let failed = 0;
for (const alg of ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]) {
  const data = randomBytes(256 * 1024 + 333);
  const key = `js/stream-${alg}.bin`;
  try {
    seen.length = 0;
    await s3.send(new PutObjectCommand({
      Bucket: LH_BUCKET, Key: key, Body: streamOf(data, 10000), ContentLength: data.length,
      ChecksumAlgorithm: alg,
    }));
    const h = Object.fromEntries(Object.entries(seen.at(-1)).map(([k, v]) => [k.toLowerCase(), v]));
    if (h["x-amz-content-sha256"] !== "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
      throw new Error(`the SDK did not send an unsigned trailer body: ${JSON.stringify(h)}`);
    if (h["x-amz-trailer"] !== `x-amz-checksum-${alg.toLowerCase()}`)
      throw new Error(`unexpected x-amz-trailer ${h["x-amz-trailer"]}`);
    const got = await s3.send(new GetObjectCommand({ Bucket: LH_BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    const body = await toBuffer(got.Body);
    if (!body.equals(data)) throw new Error(`content differs: ${body.length} bytes back, ${data.length} sent`);
    const want = expected[alg](data);
    if (got[`Checksum${alg}`] !== want) throw new Error(`Checksum${alg} ${got[`Checksum${alg}`]} != ${want}`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: LH_BUCKET, Key: key, ChecksumMode: "ENABLED" }));
    if (head[`Checksum${alg}`] !== want) throw new Error(`HEAD Checksum${alg} ${head[`Checksum${alg}`]} != ${want}`);
    const md5 = createHash("md5").update(data).digest("hex");
    if (head.ETag !== `"${md5}"`) throw new Error(`ETag ${head.ETag} != "${md5}"`);
    console.log(`ok ${alg}`);
  } catch (e) {
    failed++;
    console.error(`FAILED ${alg}: ${e.name || ""} ${e.message} ${e.$metadata ? JSON.stringify(e.$metadata) : ""}`);
  }
}
process.exit(failed ? 1 : 0);
