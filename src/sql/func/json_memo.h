/* A per-thread memo of the JSON scanner's readings (json_memo.c): the same
 * text asked about again (json_valid, then json_extract_string of one key
 * after another, on the rows of one batch) is answered from its first scan.
 * Both functions answer exactly as lh_jscan would, 1 or 0 ("cannot tell"). */
#ifndef LH_SQL_FUNC_JSON_MEMO_H
#define LH_SQL_FUNC_JSON_MEMO_H

#include "sql/func/json_scan.h"

/* lh_jscan(p, n, NULL, 0, NULL). */
int lh_jmemo_valid(const char *p, size_t n);

/* lh_jscan(p, n, key, 1, hit): the value of the top-level key; hit->at
 * points into p. */
int lh_jmemo_key(const char *p, size_t n, const lh_jscan_key_t *key, lh_jscan_hit_t *hit);

/* lh_jmemo_key remembering, in *hint (0: none yet), the entry p was read
 * into. trusted: the caller vouches that p[0..n) is the text it was when
 * the hint was made (the same column of one batch, under one evaluation
 * scope: func.h), so an entry still there answers without its text being
 * compared again. */
int lh_jmemo_key_hinted(const char *p, size_t n, const lh_jscan_key_t *key, lh_jscan_hit_t *hit,
                        uint64_t *hint, bool trusted);

/* lh_jmemo_key_hinted for nk (<= 32) keys at once, one walk over the
 * row's members: hit[k] answers keys[k] where bit k of the result is set;
 * the keys whose bit is clear (a duplicate or escaped key, a value the
 * memo does not classify, a text it cannot hold) are to be asked one at a
 * time. bylen[L]: bit k set when keys[k] is L bytes long (L < 63; 63:
 * those of 63 bytes or more). */
uint32_t lh_jmemo_keys_hinted(const char *p, size_t n, const lh_jscan_key_t *const *keys, int nk,
                              const uint32_t bylen[64], lh_jscan_hit_t *hit, uint64_t *hint,
                              bool trusted);

#endif
