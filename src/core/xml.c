/* A small non-validating XML parser for S3 request bodies. The whole body is
 * in memory (callers cap it), so this is a single pass over the buffer: the
 * input is first checked to be UTF-8 without forbidden control characters,
 * then markup is dispatched on the bytes after '<' and character data is
 * decoded into a scratch buffer used as a stack: each open element owns the
 * tail of the buffer from the offset where it opened, so text interrupted by
 * child elements still concatenates, and closing an element copies its text
 * into the arena and pops it. Line ends are normalised (CRLF and lone CR to
 * LF) as XML 1.0 requires; a literal CR is kept only via &#13; / &#xD;. */
#include "core/xml.h"

#include "core/buf.h"
#include "core/str.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *ptr;
    size_t len;
} span_t;

typedef struct {
    lh_arena_t *a;
    const char *s;
    size_t n, pos;
    lh_err_t *err;
    lh_buf_t text;     /* decoded text of the open elements, stacked */
    size_t text_total; /* decoded text bytes in the whole document */
    size_t nodes;
    int depth; /* number of open elements */
    lh_xml_node_t *root;
    lh_xml_node_t *open[LH_XML_MAX_DEPTH + 1]; /* open[1..depth] */
    lh_xml_node_t *last[LH_XML_MAX_DEPTH + 1]; /* last child of open[i] */
    span_t qname[LH_XML_MAX_DEPTH + 1];        /* raw name, for end tags */
    size_t text_start[LH_XML_MAX_DEPTH + 1];
} parser_t;

/* Shows at most this many bytes of a name in an error message. */
#define SHOW(sp) (int)((sp).len > 64 ? 64 : (sp).len), (sp).ptr

static int fail(parser_t *p, const char *what)
{
    return lh_err_set(p->err, LH_EINVAL, "malformed xml: %s at byte %zu", what, p->pos);
}

static int rest_starts(const parser_t *p, const char *lit)
{
    size_t l = strlen(lit);
    return p->n - p->pos >= l && memcmp(p->s + p->pos, lit, l) == 0;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int skip_space(parser_t *p)
{
    size_t start = p->pos;
    while (p->pos < p->n && is_space((unsigned char)p->s[p->pos]))
        p->pos++;
    return p->pos > start;
}

/* ---- input check: UTF-8 (no overlongs, surrogates, > U+10FFFF) and XML Char */

static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = lh_utf8_char((const char *)s, n, &cp);
    if (len == 1) return (cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r') ? 1 : 0;
    return cp == 0xFFFE || cp == 0xFFFF ? 0 : len;
}

static int check_chars(parser_t *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    for (size_t i = 0; i < p->n;) {
        size_t l = utf8_len(s + i, p->n - i);
        if (!l) {
            p->pos = i;
            return fail(p, s[i] < 0x80 ? "forbidden control character" : "invalid utf-8");
        }
        i += l;
    }
    return 0;
}

/* ---- text */

static int add_text(parser_t *p, const char *s, size_t n)
{
    if (n > LH_XML_MAX_TEXT - p->text_total)
        return lh_err_set(p->err, LH_ETOOBIG, "xml text over %u bytes", LH_XML_MAX_TEXT);
    p->text_total += n;
    if (lh_buf_append(&p->text, s, n))
        return lh_err_set(p->err, LH_ENOMEM, "out of memory for xml text");
    return 0;
}

/* Appends raw character data, turning CRLF and lone CR into LF. */
static int add_chars(parser_t *p, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\r') continue;
        int rc = add_text(p, s + run, i - run);
        if (!rc) rc = add_text(p, "\n", 1);
        if (rc) return rc;
        if (i + 1 < n && s[i + 1] == '\n') i++;
        run = i + 1;
    }
    return add_text(p, s + run, n - run);
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Digits of a character reference: returns the code point or -1. */
static long char_ref(const char *s, size_t n)
{
    int base = 10;
    if (n && s[0] == 'x') base = 16, s++, n--;
    if (!n) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int d = c >= '0' && c <= '9'                 ? c - '0'
                : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
        if (d < 0) return -1;
        v = v * base + d;
        if (v > 0x10FFFF) return -1;
    }
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v == 0xFFFE || v == 0xFFFF) return -1;
    return v;
}

static const struct {
    const char *name;
    char c;
} entities[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"apos", '\''}, {"quot", '"'}};

/* Decodes the reference at p->pos ('&') into out; advances past ';'. */
static int reference(parser_t *p, char out[4], size_t *outlen)
{
    size_t start = p->pos + 1, end = start;
    while (end < p->n && end - start < 32 && p->s[end] != ';')
        end++;
    if (end >= p->n || p->s[end] != ';') return fail(p, "unterminated entity reference");
    const char *nm = p->s + start;
    size_t nl = end - start;
    if (nl && nm[0] == '#') {
        long cp = char_ref(nm + 1, nl - 1);
        if (cp < 0) return fail(p, "invalid character reference");
        *outlen = utf8_encode((uint32_t)cp, out);
    } else {
        size_t i = 0, k = sizeof entities / sizeof entities[0];
        while (i < k && !(strlen(entities[i].name) == nl && !memcmp(entities[i].name, nm, nl)))
            i++;
        if (i == k) return fail(p, "unknown entity");
        out[0] = entities[i].c;
        *outlen = 1;
    }
    p->pos = end + 1;
    return 0;
}

static int text_ref(parser_t *p)
{
    char out[4];
    size_t len = 0;
    int rc = reference(p, out, &len);
    return rc ? rc : add_text(p, out, len);
}

static int text_run(parser_t *p)
{
    size_t start = p->pos;
    while (p->pos < p->n && p->s[p->pos] != '<' && p->s[p->pos] != '&')
        p->pos++;
    return add_chars(p, p->s + start, p->pos - start);
}

/* ---- names and elements */

static int name_char(unsigned char c, int first)
{
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return 1;
    if (c == '_' || c == ':' || c >= 0x80) return 1;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int parse_name(parser_t *p, span_t *out)
{
    size_t start = p->pos;
    while (p->pos < p->n && name_char((unsigned char)p->s[p->pos], p->pos == start))
        p->pos++;
    out->ptr = p->s + start;
    out->len = p->pos - start;
    if (!out->len) return fail(p, "expected a name");
    const char *colon = memchr(out->ptr, ':', out->len);
    if (colon && (colon == out->ptr || colon == out->ptr + out->len - 1 ||
                  memchr(colon + 1, ':', out->len - (size_t)(colon + 1 - out->ptr))))
        return fail(p, "invalid qualified name");
    return 0;
}

static int open_element(parser_t *p, span_t qn)
{
    if (++p->nodes > LH_XML_MAX_NODES)
        return lh_err_set(p->err, LH_ETOOBIG, "xml has over %d elements", LH_XML_MAX_NODES);
    if (p->depth >= LH_XML_MAX_DEPTH)
        return lh_err_set(p->err, LH_ETOOBIG, "xml nested deeper than %d", LH_XML_MAX_DEPTH);
    const char *colon = memchr(qn.ptr, ':', qn.len);
    const char *local = colon ? colon + 1 : qn.ptr;
    lh_xml_node_t *el = lh_arena_calloc(p->a, sizeof *el);
    char *name = el ? lh_arena_strndup(p->a, local, qn.len - (size_t)(local - qn.ptr)) : NULL;
    if (!name) return lh_err_set(p->err, LH_ENOMEM, "out of memory for xml node");
    el->name = name;
    el->text = "";
    if (p->depth) {
        el->parent = p->open[p->depth];
        if (p->last[p->depth])
            p->last[p->depth]->next = el;
        else
            el->parent->child = el;
        p->last[p->depth] = el;
    } else {
        p->root = el;
    }
    p->depth++;
    p->open[p->depth] = el;
    p->last[p->depth] = NULL;
    p->qname[p->depth] = qn;
    p->text_start[p->depth] = p->text.len;
    return 0;
}

static int close_element(parser_t *p)
{
    lh_xml_node_t *el = p->open[p->depth];
    size_t start = p->text_start[p->depth];
    el->text_len = p->text.len - start;
    if (el->text_len) {
        char *t = lh_arena_strndup(p->a, p->text.ptr + start, el->text_len);
        if (!t) return lh_err_set(p->err, LH_ENOMEM, "out of memory for xml text");
        el->text = t;
    }
    p->text.len = start;
    p->depth--;
    return 0;
}

/* Checks an attribute value (quoted) without keeping it. */
static int attr_value(parser_t *p)
{
    if (p->pos >= p->n || (p->s[p->pos] != '"' && p->s[p->pos] != '\''))
        return fail(p, "expected a quoted attribute value");
    char q = p->s[p->pos++];
    while (p->pos < p->n && p->s[p->pos] != q) {
        if (p->s[p->pos] == '<') return fail(p, "'<' in attribute value");
        if (p->s[p->pos] == '&') {
            char out[4];
            size_t len;
            int rc = reference(p, out, &len);
            if (rc) return rc;
            continue;
        }
        p->pos++;
    }
    if (p->pos >= p->n) return fail(p, "unterminated attribute value");
    p->pos++;
    return 0;
}

static int attribute(parser_t *p)
{
    span_t an;
    int rc = parse_name(p, &an);
    if (rc) return rc;
    skip_space(p);
    if (p->pos >= p->n || p->s[p->pos] != '=') return fail(p, "expected '=' after attribute name");
    p->pos++;
    skip_space(p);
    return attr_value(p);
}

static int start_tag(parser_t *p)
{
    span_t qn;
    if (p->depth == 0 && p->root) return fail(p, "second root element");
    p->pos++; /* '<' */
    int rc = parse_name(p, &qn);
    while (!rc) {
        int ws = skip_space(p);
        if (p->pos >= p->n) return fail(p, "unterminated start tag");
        if (p->s[p->pos] == '>') {
            p->pos++;
            return open_element(p, qn);
        }
        if (rest_starts(p, "/>")) {
            p->pos += 2;
            rc = open_element(p, qn);
            return rc ? rc : close_element(p);
        }
        if (!ws) return fail(p, "expected whitespace before attribute");
        rc = attribute(p);
    }
    return rc;
}

static int end_tag(parser_t *p)
{
    span_t qn;
    if (p->depth == 0) return fail(p, "end tag outside the root element");
    p->pos += 2; /* "</" */
    int rc = parse_name(p, &qn);
    if (rc) return rc;
    skip_space(p);
    if (p->pos >= p->n || p->s[p->pos] != '>') return fail(p, "expected '>' in end tag");
    span_t want = p->qname[p->depth];
    if (qn.len != want.len || memcmp(qn.ptr, want.ptr, qn.len)) {
        char what[200];
        snprintf(what, sizeof what, "end tag </%.*s> does not match <%.*s>", SHOW(qn), SHOW(want));
        return fail(p, what);
    }
    p->pos++;
    return close_element(p);
}

/* ---- markup that is skipped or refused */

/* Advances past the first `term` after p->pos + skip, or fails with `what`. */
static int skip_past(parser_t *p, size_t skip, const char *term, const char *what)
{
    size_t from = p->pos + skip;
    const char *hit = from <= p->n ? memmem(p->s + from, p->n - from, term, strlen(term)) : NULL;
    if (!hit) return fail(p, what);
    p->pos = (size_t)(hit - p->s) + strlen(term);
    return 0;
}

static int comment(parser_t *p)
{
    size_t from = p->pos + 4;
    const char *dd = memmem(p->s + from, p->n - from, "--", 2);
    if (!dd) return fail(p, "unterminated comment");
    size_t at = (size_t)(dd - p->s);
    if (at + 2 >= p->n || p->s[at + 2] != '>') {
        p->pos = at;
        return fail(p, "'--' inside comment");
    }
    p->pos = at + 3;
    return 0;
}

static int cdata(parser_t *p)
{
    if (p->depth == 0) return fail(p, "cdata outside the root element");
    size_t from = p->pos + 9;
    int rc = skip_past(p, 9, "]]>", "unterminated cdata section");
    return rc ? rc : add_chars(p, p->s + from, p->pos - 3 - from);
}

static int proc_instr(parser_t *p)
{
    span_t target;
    size_t at = p->pos;
    p->pos += 2;
    int rc = parse_name(p, &target);
    if (rc) return rc;
    if (target.len == 3 && (target.ptr[0] | 0x20) == 'x' && (target.ptr[1] | 0x20) == 'm' &&
        (target.ptr[2] | 0x20) == 'l') {
        p->pos = at;
        return fail(p, "xml declaration not at the start");
    }
    return skip_past(p, 0, "?>", "unterminated processing instruction");
}

static int markup(parser_t *p)
{
    if (rest_starts(p, "<!--")) return comment(p);
    if (rest_starts(p, "<![CDATA[")) return cdata(p);
    if (rest_starts(p, "<!DOCTYPE")) return fail(p, "doctype not allowed");
    if (rest_starts(p, "<!")) return fail(p, "unexpected '<!'");
    if (rest_starts(p, "<?")) return proc_instr(p);
    if (rest_starts(p, "</")) return end_tag(p);
    return start_tag(p);
}

static int prolog(parser_t *p)
{
    if (rest_starts(p, "\xEF\xBB\xBF")) p->pos += 3;
    if (rest_starts(p, "<?xml") && p->n - p->pos > 5 && is_space((unsigned char)p->s[p->pos + 5]))
        return skip_past(p, 5, "?>", "unterminated xml declaration");
    return 0;
}

static int parse_doc(parser_t *p)
{
    int rc = check_chars(p);
    if (!rc) rc = prolog(p);
    while (!rc) {
        if (p->depth == 0) {
            skip_space(p);
            if (p->pos >= p->n) break;
            rc = p->s[p->pos] == '<' ? markup(p) : fail(p, "text outside the root element");
        } else if (p->pos >= p->n) {
            char what[120];
            snprintf(what, sizeof what, "unclosed element <%.*s>", SHOW(p->qname[p->depth]));
            rc = fail(p, what);
        } else {
            char c = p->s[p->pos];
            rc = c == '<' ? markup(p) : c == '&' ? text_ref(p) : text_run(p);
        }
    }
    if (!rc && !p->root) rc = fail(p, "no root element");
    return rc;
}

int lh_xml_parse(lh_arena_t *a, const char *buf, size_t n, lh_xml_node_t **root, lh_err_t *err)
{
    parser_t *p = lh_arena_calloc(a, sizeof *p);
    *root = NULL;
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory for xml parser");
    p->a = a;
    p->s = buf;
    p->n = n;
    p->err = err;
    lh_buf_init(&p->text, LH_XML_MAX_TEXT + 1);
    int rc = parse_doc(p);
    lh_buf_free(&p->text);
    if (rc) return rc;
    *root = p->root;
    return 0;
}

const lh_xml_node_t *lh_xml_child(const lh_xml_node_t *n, const char *name)
{
    if (!n) return NULL;
    for (const lh_xml_node_t *c = n->child; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

const lh_xml_node_t *lh_xml_next(const lh_xml_node_t *n, const char *name)
{
    if (!n) return NULL;
    for (const lh_xml_node_t *c = n->next; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}
