/* Incremental HTTP/1.x request parser: a byte state machine for the head
 * (request line + header fields, obs-fold rejected, hard limits on size and
 * count) and one for the body (Content-Length or chunked with extensions
 * ignored and trailers consumed). It accepts any split of the input and never
 * looks back at bytes it has consumed, except the head, which it keeps in a
 * capped buffer. Also the request helpers that only read the parsed request:
 * header and query lookup, %-decoding. */
#include "core/http_int.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "core/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_MAX_HEAD ((size_t)64 << 10)
#define DEF_MAX_HEADERS 128
#define MAX_CHUNK_LINE 4096

enum {
    H_START,
    H_METHOD,
    H_TARGET0,
    H_TARGET,
    H_VERSION,
    H_RL_LF,
    H_LINE,
    H_NAME,
    H_VALUE_WS,
    H_VALUE,
    H_HDR_LF,
    H_END_LF
};

enum {
    C_SIZE0,
    C_SIZE,
    C_SIZE_WS,
    C_EXT,
    C_SIZE_LF,
    C_DATA,
    C_DATA_CR,
    C_DATA_LF,
    C_TRAILER0,
    C_TRAILER,
    C_END_LF,
    C_LENGTH
};

/* RFC 9110 tchar */
static int is_tchar(unsigned char c)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
    return c && strchr(extra, c) != NULL;
}

static int is_target_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f;
}
static int is_value_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f;
}

int lh__http_parser_init(lh__http_parser_t *p, size_t max_head, size_t max_headers)
{
    memset(p, 0, sizeof *p);
    p->max_head = max_head ? max_head : DEF_MAX_HEAD;
    p->max_headers = max_headers ? max_headers : DEF_MAX_HEADERS;
    lh_buf_init(&p->head, p->max_head);
    lh__http_parser_reset(p);
    return 0;
}

void lh__http_parser_reset(lh__http_parser_t *p)
{
    if (p->head.cap > (16u << 10)) /* do not keep a big head per idle connection */
        lh_buf_free(&p->head);
    lh_buf_reset(&p->head);
    p->phase = LH__HP_HEAD;
    p->st = H_START;
    p->status = 0;
    p->why = NULL;
    p->nhdrs = 0;
    p->chunked = p->keep_alive = p->expect_continue = 0;
    p->content_length = -1;
    p->left = p->wire = 0;
    p->line = p->trailer = 0;
    p->meth_off = p->meth_len = p->tgt_off = p->tgt_len = 0;
    p->tok = p->nlen = p->vstart = p->vstop = 0;
    p->minor = 1;
}

void lh__http_parser_free(lh__http_parser_t *p)
{
    lh_buf_free(&p->head);
    free(p->hdrs);
    p->hdrs = NULL;
    p->hcap = p->nhdrs = 0;
}

static size_t fail(lh__http_parser_t *p, int status, const char *why, size_t consumed)
{
    p->phase = LH__HP_ERROR;
    p->status = status;
    p->why = why;
    return consumed;
}

static int bad(lh__http_parser_t *p, int status, const char *why)
{
    fail(p, status, why, 0);
    return -1;
}

static lh_str_t head_str(const lh__http_parser_t *p, uint32_t off, uint32_t len)
{
    return (lh_str_t){p->head.ptr + off, len};
}

static int add_header(lh__http_parser_t *p, uint32_t vstart, uint32_t vend)
{
    if (p->nhdrs == p->hcap) {
        size_t n = p->hcap ? p->hcap * 2 : 16;
        if (n > p->max_headers) n = p->max_headers;
        lh__http_hoff_t *h = realloc(p->hdrs, n * sizeof *h);
        if (!h) return LH_ENOMEM;
        p->hdrs = h;
        p->hcap = n;
    }
    lh__http_hoff_t *h = &p->hdrs[p->nhdrs++];
    h->name = p->tok;
    h->name_len = p->nlen;
    h->value = vstart;
    h->value_len = vend - vstart;
    return 0;
}

/* --- end of head: framing and connection semantics --- */

static int list_has(lh_str_t v, const char *token)
{
    size_t i = 0;
    while (i < v.len) {
        while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == ','))
            i++;
        size_t s = i;
        while (i < v.len && v.ptr[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v.ptr[e - 1] == ' ' || v.ptr[e - 1] == '\t'))
            e--;
        if (e > s && lh_str_caseeq((lh_str_t){v.ptr + s, e - s}, token)) return 1;
    }
    return 0;
}

typedef struct {
    int ncl, nte, nhost, close, keep;
    lh_str_t cl, te;
} framing_t;

static void scan_header(lh__http_parser_t *p, const lh__http_hoff_t *h, framing_t *f)
{
    lh_str_t n = head_str(p, h->name, h->name_len), v = head_str(p, h->value, h->value_len);
    if (lh_str_caseeq(n, "content-length")) {
        if (f->ncl++ && !(f->cl.len == v.len && !memcmp(f->cl.ptr, v.ptr, v.len)))
            f->ncl = 99; /* differing duplicates */
        f->cl = v;
    } else if (lh_str_caseeq(n, "transfer-encoding")) {
        f->nte++;
        f->te = v;
    } else if (lh_str_caseeq(n, "host")) {
        f->nhost++;
    } else if (lh_str_caseeq(n, "connection")) {
        f->close |= list_has(v, "close");
        f->keep |= list_has(v, "keep-alive");
    } else if (lh_str_caseeq(n, "expect")) {
        p->expect_continue = lh_str_caseeq(v, "100-continue");
    }
}

static int finish_head(lh__http_parser_t *p)
{
    framing_t f = {0};
    for (size_t i = 0; i < p->nhdrs; i++)
        scan_header(p, &p->hdrs[i], &f);
    if (f.ncl && f.nte) return bad(p, 400, "both content-length and transfer-encoding");
    if (f.ncl >= 99) return bad(p, 400, "conflicting content-length");
    if (p->minor == 1 && f.nhost != 1) return bad(p, 400, "missing or repeated host");
    if (f.nte) {
        if (f.nte > 1 || p->minor == 0) return bad(p, 400, "bad transfer-encoding");
        if (!lh_str_caseeq(f.te, "chunked"))
            return bad(p, list_has(f.te, "chunked") ? 501 : 400, "unsupported transfer-encoding");
        p->chunked = 1;
    }
    if (f.ncl) {
        uint64_t v;
        if (lh_str_to_u64(f.cl, &v) || v > (UINT64_C(1) << 62))
            return bad(p, 400, "bad content-length");
        p->content_length = (int64_t)v;
    }
    if (p->minor == 0) p->expect_continue = 0;
    p->keep_alive = !f.close && (p->minor == 1 || f.keep);
    p->left = p->content_length > 0 ? (uint64_t)p->content_length : 0;
    p->st = p->chunked ? C_SIZE0 : C_LENGTH;
    p->phase = (p->chunked || p->content_length > 0) ? LH__HP_BODY : LH__HP_DONE;
    return 0;
}

static int check_version(lh__http_parser_t *p, uint32_t end)
{
    const char *v = p->head.ptr + p->tok;
    size_t n = end - p->tok;
    if (n != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
        v[7] > '9')
        return bad(p, 400, "bad http version");
    if (v[5] != '1') return bad(p, 505, "unsupported http version");
    p->minor = v[7] == '0' ? 0 : 1;
    return 0;
}

/* --- head state machine --- */

typedef struct {
    lh__http_parser_t *p;
    uint32_t pos; /* absolute offset of the current byte in the head */
} hctx_t;

/* Returns 0 to go on, 1 when the head is complete, -1 on error (p failed). */
static int head_byte(hctx_t *x, unsigned char c)
{
    lh__http_parser_t *p = x->p;
    uint32_t pos = x->pos;
    switch (p->st) {
    case H_START:
        if (c == '\r' || c == '\n') return 0;
        if (!is_tchar(c)) return bad(p, 400, "bad method");
        p->meth_off = pos;
        p->st = H_METHOD;
        return 0;
    case H_METHOD:
        if (is_tchar(c)) return 0;
        if (c != ' ') return bad(p, 400, "bad method");
        p->meth_len = pos - p->meth_off;
        p->st = H_TARGET0;
        return 0;
    case H_TARGET0:
    case H_TARGET:
        if (is_target_char(c)) {
            if (p->st == H_TARGET0) p->tgt_off = pos;
            p->st = H_TARGET;
            return 0;
        }
        if (c != ' ' || p->st == H_TARGET0) return bad(p, 400, "bad request target");
        p->tgt_len = pos - p->tgt_off;
        p->tok = pos + 1;
        p->st = H_VERSION;
        return 0;
    case H_VERSION:
        if (c == '\r' || c == '\n') {
            if (check_version(p, pos)) return -1;
            p->st = c == '\r' ? H_RL_LF : H_LINE;
            return 0;
        }
        if (pos - p->tok >= 8) return bad(p, 400, "bad http version");
        return 0;
    case H_RL_LF:
    case H_HDR_LF:
        if (c != '\n') return bad(p, 400, "bare cr");
        p->st = H_LINE;
        return 0;
    case H_LINE:
        if (c == '\r') {
            p->st = H_END_LF;
            return 0;
        }
        if (c == '\n') return 1;
        if (c == ' ' || c == '\t') return bad(p, 400, "obsolete line folding");
        if (!is_tchar(c)) return bad(p, 400, "bad header name");
        if (p->nhdrs >= p->max_headers) return bad(p, 431, "too many headers");
        p->tok = pos;
        p->st = H_NAME;
        return 0;
    case H_NAME:
        if (is_tchar(c)) return 0;
        if (c != ':') return bad(p, 400, "bad header name");
        p->nlen = pos - p->tok;
        p->st = H_VALUE_WS;
        return 0;
    case H_VALUE_WS:
    case H_VALUE:
        if (c == ' ' || c == '\t') return 0;
        if (c == '\r' || c == '\n') {
            if (p->st == H_VALUE_WS) p->vstart = p->vstop = pos;
            if (add_header(p, p->vstart, p->vstop)) return bad(p, 500, "out of memory");
            p->st = c == '\r' ? H_HDR_LF : H_LINE;
            return 0;
        }
        if (!is_value_char(c)) return bad(p, 400, "bad header value");
        if (p->st == H_VALUE_WS) p->vstart = pos;
        p->vstop = pos + 1; /* value end without trailing whitespace */
        p->st = H_VALUE;
        return 0;
    case H_END_LF:
        if (c != '\n') return bad(p, 400, "bare cr");
        return 1;
    }
    return bad(p, 400, "parser state");
}

size_t lh__http_parse_head(lh__http_parser_t *p, const char *data, size_t len)
{
    if (p->phase != LH__HP_HEAD) return 0;
    size_t start = p->head.len, room = p->max_head - start;
    size_t n = len < room ? len : room, i = 0;
    if (lh_buf_append(&p->head, data, n)) return fail(p, 500, "out of memory", 0);
    hctx_t x = {p, (uint32_t)start};
    int rc = 0;
    for (; i < n && rc == 0; i++, x.pos++)
        rc = head_byte(&x, (unsigned char)data[i]);
    p->head.len = start + i; /* keep only what was consumed */
    p->head.ptr[p->head.len] = 0;
    if (rc == 1)
        finish_head(p);
    else if (rc == 0 && i < len)
        return fail(p, 431, "request head too large", i);
    return i;
}

/* --- body state machines --- */

static void chunk_size_done(lh__http_parser_t *p)
{
    p->line = 0;
    p->st = p->left ? C_DATA : C_TRAILER0;
}

/* One framing byte of a chunked body. Returns 0, or -1 after fail(). */
static int chunk_byte(lh__http_parser_t *p, unsigned char c)
{
    int h = lh_hex_digit(c);
    if (p->st != C_TRAILER && p->st != C_TRAILER0 && ++p->line > MAX_CHUNK_LINE)
        return bad(p, 400, "chunk line too long");
    switch (p->st) {
    case C_SIZE0:
    case C_SIZE:
        if (h >= 0) {
            if (p->left >> 56) return bad(p, 400, "chunk size too large");
            p->left = p->left * 16 + (unsigned)h;
            p->st = C_SIZE;
            return 0;
        }
        if (p->st == C_SIZE0) return bad(p, 400, "bad chunk size");
        /* fall through */
    case C_SIZE_WS:
    case C_EXT:
        if (c == '\r')
            p->st = C_SIZE_LF;
        else if (c == '\n')
            chunk_size_done(p);
        else if (p->st == C_EXT)
            return (c < 0x20 && c != '\t') ? bad(p, 400, "bad chunk extension") : 0;
        else if (c == ';')
            p->st = C_EXT;
        else if (c == ' ' || c == '\t')
            p->st = C_SIZE_WS;
        else
            return bad(p, 400, "bad chunk size");
        return 0;
    case C_SIZE_LF:
        if (c != '\n') return bad(p, 400, "bad chunk line end");
        chunk_size_done(p);
        return 0;
    case C_DATA_CR:
        if (c == '\n') {
            p->st = C_SIZE0;
            p->line = 0;
            return 0;
        }
        if (c != '\r') return bad(p, 400, "missing crlf after chunk");
        p->st = C_DATA_LF;
        return 0;
    case C_DATA_LF:
        if (c != '\n') return bad(p, 400, "missing crlf after chunk");
        p->st = C_SIZE0;
        p->line = 0;
        return 0;
    case C_TRAILER0:
    case C_TRAILER:
        if (++p->trailer > p->max_head) return bad(p, 431, "trailers too large");
        if (p->st == C_TRAILER0 && (c == '\r' || c == '\n')) {
            p->st = c == '\r' ? C_END_LF : C_TRAILER0;
            if (c == '\n') p->phase = LH__HP_DONE;
            return 0;
        }
        p->st = c == '\n' ? C_TRAILER0 : C_TRAILER;
        return 0;
    case C_END_LF:
        if (c != '\n') return bad(p, 400, "bad end of chunked body");
        p->phase = LH__HP_DONE;
        return 0;
    }
    return bad(p, 400, "parser state");
}

static size_t take_data(lh__http_parser_t *p, const char *data, size_t len, const char **out,
                        size_t *outlen)
{
    size_t n = len < p->left ? len : (size_t)p->left;
    *out = data;
    *outlen = n;
    p->left -= n;
    if (p->left == 0) {
        if (p->st == C_LENGTH)
            p->phase = LH__HP_DONE;
        else
            p->st = C_DATA_CR;
    }
    return n;
}

size_t lh__http_parse_body(lh__http_parser_t *p, const char *data, size_t len, const char **out,
                           size_t *outlen)
{
    size_t i = 0;
    *out = NULL;
    *outlen = 0;
    while (i < len && p->phase == LH__HP_BODY) {
        if (p->st == C_LENGTH || p->st == C_DATA) {
            i += take_data(p, data + i, len - i, out, outlen);
            break;
        }
        if (chunk_byte(p, (unsigned char)data[i])) break;
        i++;
    }
    p->wire += i;
    return i;
}

/* --- the parsed request as the handler sees it --- */

static lh_str_t rebase(const char *base, uint32_t off, uint32_t len)
{
    return (lh_str_t){base + off, len};
}

int lh__http_req_fill(const lh__http_parser_t *p, lh_http_req_t *req)
{
    char *h = lh_arena_alloc(req->arena, p->head.len + 1);
    lh_http_header_t *hv = lh_arena_alloc(req->arena, (p->nhdrs + 1) * sizeof *hv);
    if (!h || !hv) return LH_ENOMEM;
    memcpy(h, p->head.ptr, p->head.len);
    h[p->head.len] = 0;
    /* the method starts at the first token after optional empty lines */
    req->method = rebase(h, p->meth_off, p->meth_len);
    req->target = rebase(h, p->tgt_off, p->tgt_len);
    const char *q = memchr(req->target.ptr, '?', req->target.len);
    req->path = (lh_str_t){req->target.ptr, q ? (size_t)(q - req->target.ptr) : req->target.len};
    req->query = q ? (lh_str_t){q + 1, req->target.len - req->path.len - 1} : (lh_str_t){q, 0};
    if (!q) req->query.ptr = req->target.ptr + req->target.len;
    req->version_minor = p->minor;
    for (size_t i = 0; i < p->nhdrs; i++) {
        hv[i].name = rebase(h, p->hdrs[i].name, p->hdrs[i].name_len);
        hv[i].value = rebase(h, p->hdrs[i].value, p->hdrs[i].value_len);
    }
    req->headers = hv;
    req->nheaders = p->nhdrs;
    req->content_length = p->content_length;
    req->chunked = p->chunked;
    req->expect_continue = p->expect_continue;
    req->is_head = lh_str_eq(req->method, "HEAD");
    return 0;
}

const lh_str_t *lh_http_header_get(const lh_http_req_t *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (lh_str_caseeq(req->headers[i].name, name)) return &req->headers[i].value;
    return NULL;
}

char *lh_http_pct_decode(lh_arena_t *a, lh_str_t s)
{
    return lh_url_decode_arena(a, s, LH_URL_STRICT | LH_URL_NO_NUL);
}

const char *lh_http_query_get(const lh_http_req_t *req, const char *name)
{
    lh_str_t q = req->query;
    size_t i = 0;
    while (i < q.len) {
        size_t s = i;
        while (i < q.len && q.ptr[i] != '&')
            i++;
        lh_str_t kv = {q.ptr + s, i - s};
        i++;
        if (kv.len == 0) continue;
        const char *eq = memchr(kv.ptr, '=', kv.len);
        lh_str_t k = {kv.ptr, eq ? (size_t)(eq - kv.ptr) : kv.len};
        char *key = lh_http_pct_decode(req->arena, k);
        if (!key || strcmp(key, name)) continue;
        if (!eq) return lh_arena_strdup(req->arena, "");
        return lh_http_pct_decode(req->arena, (lh_str_t){eq + 1, kv.len - k.len - 1});
    }
    return NULL;
}

/* --- HTTP dates: core/timefmt.h --- */

void lh_http_date(int64_t t, char *out, size_t cap)
{
    lh_time_http_format(t, out, cap);
}

int lh_http_date_parse(const char *s, int64_t *t)
{
    return lh_time_http_parse((lh_str_t){s, strlen(s)}, t);
}
