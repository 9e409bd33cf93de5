/* Internal to the meta module (meta.c, meta_crypto.c, meta_user.c,
 * meta_token.c): the handle, the in-memory caches and shared helpers. */
#ifndef LH_CORE_META_INT_H
#define LH_CORE_META_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>

#include "core/err.h"
#include "core/meta.h"

#define LH__META_KEY_LEN 32
#define LH__META_NONCE_LEN 12
#define LH__META_TAG_LEN 16

typedef struct {
    lh_user_t u; /* secret_key decrypted */
    char scram[LH_META_SCRAM_MAX];
    char md5[LH_META_MD5_MAX];
} entry_t;

typedef struct {
    lh_token_t t;
    char hash[65];
} tok_t;

struct lh_meta {
    sqlite3 *db;
    pthread_mutex_t mu;  /* the connection; writers */
    pthread_rwlock_t rw; /* the caches below */
    unsigned char key[LH__META_KEY_LEN];
    entry_t *users; /* sorted by access key */
    size_t nusers, capusers;
    tok_t *toks; /* sorted by id */
    size_t ntoks, captoks;
};

#define LH__META_UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LH__META_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* meta_crypto.c */
/* AES-256-GCM with ak as additional data: out receives nonce||ciphertext||tag
 * (strlen(sk) + 28 bytes). 0 or LH_EIO. */
int lh__meta_seal(const unsigned char *key, const char *ak, const char *sk, unsigned char *out,
                  size_t *outlen);
/* The reverse into out (cap bytes, NUL-terminated). 0, LH_ECORRUPT or LH_ENOMEM. */
int lh__meta_unseal(const unsigned char *key, const char *ak, const unsigned char *in, size_t inlen,
                    char *out, size_t cap);
/* n random characters of alphabet (no modulo bias) + NUL. 0 or LH_EIO. */
int lh__meta_rand_chars(char *out, size_t n, const char *alphabet);
/* Constant-time equality of two strings (compares their SHA-256). */
int lh__meta_same_secret(const char *a, const char *b);

/* meta_user.c / meta_token.c: fill the caches at open. */
/* The caches are arrays of fixed-size records sorted by a string key at
 * key_off. bsearch returns the record with that key or NULL, and stores the
 * insertion point in *pos (may be NULL). insert puts elem at pos, growing the
 * array; it returns the (possibly moved) array, or NULL when out of memory
 * (the array is then unchanged). */
void *lh__meta_bsearch(void *items, size_t n, size_t size, size_t key_off, const char *key,
                       size_t *pos);
void *lh__meta_insert(void *items, size_t *n, size_t *cap, size_t size, size_t pos,
                      const void *elem);
/* Removes the record at pos, keeping the order. */
void lh__meta_remove_at(void *items, size_t *n, size_t size, size_t pos);
/* Runs a one-parameter DELETE (sql binds key as ?1) under the caller's m->mu:
 * 0, LH_ENOENT ("no <what> <key>") when no row matched, or LH_EIO. */
int lh__meta_delete_row(lh_meta_t *m, const char *sql, const char *key, const char *what,
                        lh_err_t *err);
int lh__meta_load_users(lh_meta_t *m, lh_err_t *err);
int lh__meta_load_tokens(lh_meta_t *m, lh_err_t *err);
/* Drops the cached tokens of owner (caller holds m->rw for writing). */
void lh__meta_tok_drop_owner(lh_meta_t *m, const char *owner);

static inline void lh__meta_copy_text(char *dst, size_t cap, const unsigned char *s)
{
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

#endif
