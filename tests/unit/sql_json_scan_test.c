/* The JSON scanner (src/sql/func/json_scan.c) against jansson, the
 * decoder it stands in for: on hand-picked documents and on 200,000
 * random ones (generated, then mutated: bytes flipped, cut, inserted), the
 * scanner never says "valid" where jansson refuses the text, and every
 * value it finds at a path is the one jansson's tree holds (kind, text,
 * the string decoded). Where it cannot tell, json.c asks jansson. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sql/func/json_memo.h"
#include "sql/func/json_scan.h"
#include "test.h"

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const lh_jscan_key_t paths[][2] = {
    {{"a", 1}, {NULL, 0}}, {{"b", 1}, {"c", 1}}, {{"k", 1}, {NULL, 0}}, {{"", 0}, {NULL, 0}}};
static const int npath[] = {1, 2, 1, 1};

/* 1 when the scanner's answer agrees with jansson's for doc and path p. */
static int agrees(const char *doc, size_t n, int p, char *why, size_t cap)
{
    lh_jscan_hit_t h;
    if (!lh_jscan(doc, n, paths[p], npath[p], &h)) return 1; /* cannot tell: jansson decides */
    json_t *root = json_loadb(doc, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!root) return snprintf(why, cap, "valid to the scanner, not to jansson"), 0;
    json_t *v = root;
    for (int i = 0; i < npath[p] && v; i++)
        v = json_is_object(v) ? json_object_getn(v, paths[p][i].s, paths[p][i].n) : NULL;
    int ok = 0;
    char buf[4096], num[32];
    switch (h.kind) {
    case LH_JSCAN_MISSING:
        ok = v == NULL;
        break;
    case LH_JSCAN_STRING: {
        size_t len = h.escaped ? lh_jscan_unescape(&h, buf) : h.len;
        const char *s = h.escaped ? buf : h.at;
        ok = json_is_string(v) && json_string_length(v) == len &&
             !memcmp(json_string_value(v), s, len);
        break;
    }
    case LH_JSCAN_INT:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        ok = json_is_integer(v) && strlen(num) == h.len && !memcmp(num, h.at, h.len);
        break;
    case LH_JSCAN_TRUE:
        ok = json_is_true(v);
        break;
    case LH_JSCAN_FALSE:
        ok = json_is_false(v);
        break;
    case LH_JSCAN_NULL:
        ok = json_is_null(v);
        break;
    case LH_JSCAN_OTHER: /* lh_jscan_members' only */
        break;
    }
    if (!ok) snprintf(why, cap, "path %d: the scanner found kind %d, jansson differs", p, h.kind);
    json_decref(root);
    return ok;
}

static void check_doc(const char *doc, size_t n, int *bad)
{
    char why[128];
    for (int p = 0; p < 4; p++)
        if (!agrees(doc, n, p, why, sizeof why)) {
            if ((*bad)++ < 5) fprintf(stderr, "  %s: %.*s\n", why, (int)n, doc);
            return;
        }
}

static void hand_picked(void)
{
    static const char *const docs[] = {"{\"a\":1}",
                                       "{\"a\":\"x\\\"y\\u00e9\\n\"}",
                                       "{\"a\":-0}",
                                       "{\"a\":01}",
                                       "{\"a\":1.5}",
                                       "{\"a\":1e999}",
                                       "{\"a\":12345678901234567890}",
                                       "{\"a\":123456789012345678}",
                                       "{\"a\":null,\"a\":2}",
                                       "{\"b\":{\"c\":1},\"b\":{\"d\":2}}",
                                       "{\"b\":{\"c\":true}}",
                                       "[1,2,{\"a\":3}]",
                                       "\"a\"",
                                       "  {\"a\" : [ ] , \"k\":{}}  ",
                                       "{\"a\":\"\\ud800\"}",
                                       "{\"a\":\"\\u0000\"}",
                                       "{\"a\":\"\x01\"}",
                                       "{\"a\":\"\xc3\xa9\"}",
                                       "{\"a\":1,}",
                                       "{,}",
                                       "{\"a\":tru}",
                                       "{\"a\":1} x",
                                       "",
                                       "   ",
                                       "{\"\":false}",
                                       "{\"a\\u0041\":1,\"a\":2}",
                                       "{\"a\":\"\\x\"}",
                                       "[[[[[[[[]]]]]]]]",
                                       "1e5",
                                       "-",
                                       "{\"a\":-}",
                                       "{\"a\":2.}"};
    int bad = 0;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        check_doc(docs[i], strlen(docs[i]), &bad);
    CHECK_EQ_INT(bad, 0);
    lh_jscan_hit_t h;
    CHECK(lh_jscan("{\"a\":\"x\"}", 9, paths[0], 1, &h) && h.kind == LH_JSCAN_STRING);
    CHECK(lh_jscan("{\"b\":{\"c\":7}}", 13, paths[1], 2, &h) && h.kind == LH_JSCAN_INT);
    CHECK(!lh_jscan("{\"a\":null,\"a\":2}", 16, paths[0], 1, &h)); /* duplicate: jansson */
    CHECK(lh_jscan("{\"a\":1}", 7, NULL, 0, NULL) && !lh_jscan("{\"a\":1", 6, NULL, 0, NULL));
}

/* A random document of the shapes the engine meets, written into out. */
static size_t gen(char *out, size_t cap, int depth)
{
    static const char *const atoms[] = {"1",
                                        "-12",
                                        "0",
                                        "3.25",
                                        "-0",
                                        "1e3",
                                        "true",
                                        "false",
                                        "null",
                                        "\"s\"",
                                        "\"\\n\\\"\"",
                                        "\"\\u00e9\"",
                                        "123456789012345678",
                                        "\"\"",
                                        "9.5e-7"};
    static const char *const keys[] = {"a", "b", "c", "k", "", "x"};
    size_t n = 0;
    int kind = depth > 3 ? 2 : (int)rnd(3);
    if (kind == 0) {
        n += (size_t)snprintf(out + n, cap - n, "{");
        for (unsigned i = 0, m = rnd(4); i < m && n < cap - 200; i++) {
            n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":", i ? "," : "", keys[rnd(6)]);
            n += gen(out + n, cap - n, depth + 1);
        }
        n += (size_t)snprintf(out + n, cap - n, "}");
    } else if (kind == 1) {
        n += (size_t)snprintf(out + n, cap - n, "[");
        for (unsigned i = 0, m = rnd(3); i < m && n < cap - 200; i++) {
            n += (size_t)snprintf(out + n, cap - n, "%s", i ? "," : "");
            n += gen(out + n, cap - n, depth + 1);
        }
        n += (size_t)snprintf(out + n, cap - n, "]");
    } else
        n += (size_t)snprintf(out + n, cap - n, "%s", atoms[rnd(15)]);
    return n;
}

static void random_documents(void)
{
    char doc[8192];
    int bad = 0, valid = 0;
    for (int r = 0; r < 200000; r++) {
        size_t n = gen(doc, sizeof doc, 0);
        for (unsigned m = rnd(4), k = 0; k < m && n > 0; k++) {
            unsigned at = rnd((unsigned)n);
            switch (rnd(3)) {
            case 0: { /* flip to a byte that JSON cares about */
                static const char flips[] = "{}[]\":,\\0-e. x\x01\xc3";
                doc[at] = flips[rnd(sizeof flips - 1)];
                break;
            }
            case 1: /* cut */
                n = at;
                break;
            default: /* insert */
                memmove(doc + at + 1, doc + at, n - at);
                doc[at] = "\"{,}u9 "[rnd(7)];
                n++;
            }
        }
        int v = lh_jscan(doc, n, NULL, 0, NULL);
        json_t *j = v ? json_loadb(doc, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
        if (v && !j && bad++ < 5) fprintf(stderr, "  json_valid: %.*s\n", (int)n, doc);
        json_decref(j);
        valid += v;
        check_doc(doc, n, &bad);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(valid > 50000); /* the fast path does answer most of the time */
}

/* Strings longer than a block (sixteen bytes with SSE2) at every offset
 * against the blocks, of plain runs, escapes, control and non-ASCII bytes,
 * as a key's value and as the key: the scanner agrees with jansson, and a
 * document cut anywhere is never valid. */
static void long_strings(void)
{
    static const char *const pieces[] = {"a",       "bcdefgh",  "0123456789abcdef0123456789",
                                         "\\\"",    "\\\\",     "\\n",
                                         "\\u00e9", "\xc3\xa9", "\x01",
                                         "\"x"};
    char doc[1200], body[1000];
    int bad = 0, valid = 0;
    for (int r = 0; r < 40000; r++) {
        size_t bn = (size_t)(r % 131); /* the first stop's place against the blocks */
        memset(body, 'x', bn);
        for (unsigned m = rnd(12), i = 0; i < m; i++) {
            /* mostly plain and escapes; the last three (stops the scanner gives up on) rarely */
            unsigned k = rnd(16) ? rnd(7) : 7 + rnd(3);
            size_t pl = strlen(pieces[k]);
            memcpy(body + bn, pieces[k], pl);
            bn += pl;
        }
        int n = r % 2 ? snprintf(doc, sizeof doc, "{\"k\":\"%.*s\"}", (int)bn, body)
                      : snprintf(doc, sizeof doc, "{\"%.*s\":1,\"a\":\"%.*s\"}", (int)bn, body,
                                 (int)(bn % 70), body);
        check_doc(doc, (size_t)n, &bad);
        valid += lh_jscan(doc, (size_t)n, NULL, 0, NULL);
        unsigned cut = rnd((unsigned)n); /* an object cut short is never valid */
        bad += lh_jscan(doc, cut, NULL, 0, NULL);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(valid > 10000 && valid < 40000); /* both answers were given */
}

/* The memo's answer equals the scanner's for doc (1 when so). */
static int memo_agrees(const char *doc, size_t n)
{
    if (lh_jmemo_valid(doc, n) != lh_jscan(doc, n, NULL, 0, NULL)) return 0;
    for (int p = 0; p < 4; p++) {
        if (npath[p] != 1) continue;
        lh_jscan_hit_t a, b;
        int ra = lh_jscan(doc, n, paths[p], 1, &a), rb = lh_jmemo_key(doc, n, paths[p], &b);
        if (ra != rb) return 0;
        if (ra && (a.kind != b.kind || a.at != b.at || a.len != b.len || a.escaped != b.escaped))
            return 0;
    }
    return 1;
}

/* The per-thread memo (json_memo.c) answers as the scanner does: on random
 * documents written over the same few addresses (an address and length met
 * before with other bytes is read again), on ones asked about twice, and
 * past its epoch (more texts than it holds). */
static void memo_documents(void)
{
    static char slab[64][8192];
    int bad = 0, hits = 0;
    for (int r = 0; r < 100000; r++) {
        char *doc = slab[rnd(64)];
        size_t n = gen(doc, sizeof slab[0], 0);
        if (rnd(2) && n > 2) doc[rnd((unsigned)n)] = "{}\",:a1"[rnd(7)];
        for (int again = 0; again < 2; again++)
            if (!memo_agrees(doc, n) && bad++ < 5) fprintf(stderr, "  memo: %.*s\n", (int)n, doc);
        hits += lh_jmemo_valid(doc, n);
    }
    static const char *const docs[] = {"{\"a\":1,\"a\":2}",
                                       "{\"a\\u0041\":1,\"a\":\"x\"}",
                                       "{\"a\":{\"b\":1},\"k\":[1]}",
                                       "{\"a\":1.5,\"k\":\"x\\ny\"}",
                                       "[{\"a\":1}]",
                                       "\"a\"",
                                       "{}",
                                       "{\"a\":1} ,"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        bad += !memo_agrees(docs[i], strlen(docs[i])) + !memo_agrees(docs[i], strlen(docs[i]));
    char big[40000]; /* more members than the memo records, and a text past its size */
    size_t n = 0;
    big[n++] = '{';
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s\"m%d\":%d", i ? "," : "", i, i);
    n += (size_t)snprintf(big + n, sizeof big - n, ",\"a\":\"%s\"}", "tail");
    bad += !memo_agrees(big, n) + !memo_agrees(big, n);
    memset(big + n - 1, ' ', sizeof big - n);
    big[sizeof big - 1] = '}';
    bad += !memo_agrees(big, sizeof big) + !memo_agrees(big, sizeof big);
    CHECK_EQ_INT(bad, 0);
    CHECK(hits > 10000);
}

/* lh_jmemo_key_hinted answers as the scanner does: with the hint of the
 * text's own first reading (trusted, the text unchanged), with no hint, and
 * with a hint from before the memo was emptied many times over (void: read
 * again). */
static int hinted_agrees(const char *doc, size_t n, uint64_t *hint, bool trusted)
{
    for (int p = 0; p < 4; p++) {
        if (npath[p] != 1) continue;
        lh_jscan_hit_t a, b;
        int ra = lh_jscan(doc, n, paths[p], 1, &a),
            rb = lh_jmemo_key_hinted(doc, n, paths[p], &b, hint, trusted);
        if (ra != rb) return 0;
        if (ra && (a.kind != b.kind || a.at != b.at || a.len != b.len || a.escaped != b.escaped))
            return 0;
    }
    return 1;
}

static void memo_hints(void)
{
    static char slab[64][8192], kept[8192];
    size_t kn = gen(kept, sizeof kept, 0);
    uint64_t kh = 0;
    int bad = !hinted_agrees(kept, kn, &kh, false), hinted = kh != 0;
    for (int r = 0; r < 50000; r++) {
        char *doc = slab[rnd(64)];
        size_t n = gen(doc, sizeof slab[0], 0);
        uint64_t h = 0;
        bad += !hinted_agrees(doc, n, &h, rnd(2)); /* no hint yet: trusted or not */
        hinted += h != 0;
        bad += !hinted_agrees(doc, n, &h, true) + !hinted_agrees(doc, n, &h, true);
    }
    bad += !hinted_agrees(kept, kn, &kh, true); /* its entry is long gone */
    CHECK_EQ_INT(bad, 0);
    CHECK(hinted > 10000);
}

/* lh_jscan_members (with its AVX-512 or AVX2 path for compact flat objects) reads
 * exactly what the byte-by-byte scanner reads: verdict, count and every
 * member, on flat objects of the bronze events' shape and random ones,
 * mutated (whitespace, escapes, non-ASCII, nesting, numbers it gives up on,
 * cuts), and at every length around the bitmap's words. */
static int members_agree(const char *doc, size_t n, int max)
{
    lh_jscan_member_t a[40], b[40];
    memset(a, 0x5a, sizeof a);
    memset(b, 0x5a, sizeof b);
    int na = -9, nb = -9;
    int ra = lh_jscan_members(doc, n, a, max, &na),
        rb = lh__jscan_members_slow(doc, n, b, max, &nb);
    if (ra != rb || (ra && na != nb)) return 0;
    for (int i = 0; ra && i < na; i++)
        if (a[i].key != b[i].key || a[i].keylen != b[i].keylen || a[i].at != b[i].at ||
            a[i].len != b[i].len || a[i].kind != b[i].kind ||
            a[i].key_escaped != b[i].key_escaped || a[i].escaped != b[i].escaped)
            return 0;
    return 1;
}

static void flat_members(void)
{
    static const char *const vals[] = {
        "\"polygon\"",
        "78266600",
        "\"2026-12-06T05:00:00Z\"",
        "\"0xd23ae4fde9d390bef4a480c3f7dac5aa6f2271b4f7f28f0b52e2a8\"",
        "52",
        "true",
        "false",
        "null",
        "0",
        "-7",
        "\"\"",
        "123456789012345678",
        "1234567890123456789",
        "-0",
        "1.5",
        "2e3",
        "\"a}b,c:d\"",
        "{\"x\":1}",
        "[1]",
        "007",
        "\"\\n\"",
        "\"\xc3\xa9\"",
        "tru",
        "nul"};
    static const char *const keys[] = {"chain", "block_number", "", "to", "a:b", "amount"};
    char doc[2048];
    int bad = 0, fast_shaped = 0;
    for (int r = 0; r < 300000; r++) {
        size_t n = 0;
        unsigned m = rnd(r % 7 ? 12 : 40);
        doc[n++] = '{';
        for (unsigned i = 0; i < m && n < 1700; i++) {
            /* mostly values the fast path takes, now and then one it gives up on */
            unsigned v = rnd(4) ? rnd(12) : rnd(24);
            n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"%s\":%s", i ? "," : "",
                                  keys[rnd(6)], vals[v]);
        }
        doc[n++] = '}';
        for (unsigned k = 0, mut = rnd(3) ? 0 : rnd(3); k < mut && n > 0; k++) {
            unsigned at = rnd((unsigned)n);
            if (rnd(2))
                doc[at] = " \t\",:{}[]\\\x01\x80"
                          "a9"[rnd(15)];
            else
                n = at;
        }
        fast_shaped += n <= 512;
        if (!members_agree(doc, n, r % 5 ? 32 : 3) && bad++ < 5)
            fprintf(stderr, "  members: %.*s\n", (int)n, doc);
    }
    for (int r = 0; r < 100000; r++) { /* random documents, objects and not */
        size_t n = gen(doc, sizeof doc, 0);
        if (!members_agree(doc, n, 32) && bad++ < 5)
            fprintf(stderr, "  members: %.*s\n", (int)n, doc);
    }
    for (size_t len = 2; len < 700; len++) { /* every length around the 64-byte words */
        size_t n =
            (size_t)snprintf(doc, sizeof doc, "{\"k\":\"%*s\"}", (int)(len > 8 ? len - 8 : 0), "");
        memset(doc + 6, 'x', n > 8 ? n - 8 : 0);
        bad += !members_agree(doc, n, 32);
        doc[n - 2] = 'y'; /* an unterminated string, then the brace */
        bad += !members_agree(doc, n - 1, 32);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(fast_shaped > 100000);
}

/* The same with the AVX2 path where the CPU has AVX-512 (each test runs in
 * its own fork; the CPU is asked once, at the first document). */
static void flat_members_avx2(void)
{
    setenv("LH_NO_AVX512", "1", 1);
    flat_members();
}

static const lh_test_t tests[] = {
    {"flat_members", flat_members}, {"flat_members_avx2", flat_members_avx2},
    {"hand_picked", hand_picked},   {"random_documents", random_documents},
    {"long_strings", long_strings}, {"memo_documents", memo_documents},
    {"memo_hints", memo_hints},     {NULL, NULL},
};

LH_TEST_MAIN(tests)
