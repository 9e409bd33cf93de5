/* The engine tests' fixture: TEST(name) runs the body on a store opened in a
 * fresh temporary directory `dir` with one bucket "b" (owner "alice"), then
 * closes the store and removes the directory. The body gets the store (st)
 * and where it is kept (stp), for tests that close and reopen it: a body
 * that reopens stores the new handle in *stp, which is what gets closed. */
#ifndef LH_TEST_STORE_FIXTURE_H
#define LH_TEST_STORE_FIXTURE_H

#include <stdio.h>

#include "store/engine.h"
#include "test.h"
#include "tmpdir.h"

static char dir[128];

#define TEST(name)                                                                                 \
    static void name##_body(lh_store_t *st, lh_store_t **stp);                                     \
    static void name(void)                                                                         \
    {                                                                                              \
        lh_store_t *st = NULL;                                                                     \
        lh_err_t e = {0};                                                                          \
        snprintf(dir, sizeof dir, "%s", lh_test_tmpdir());                                         \
        if (lh_store_open(&st, dir, &e) == 0 &&                                                    \
            lh_store_bucket_create(st, "b", "alice", 0, &e) == 0) {                                \
            name##_body(st, &st);                                                                  \
        } else {                                                                                   \
            fprintf(stderr, "  store setup failed: %s\n", e.msg);                                  \
            lh_test_failed_ = 1;                                                                   \
        }                                                                                          \
        lh_store_close(st);                                                                        \
        lh_test_rmtree(dir);                                                                       \
    }                                                                                              \
    static void name##_body(lh_store_t *st, lh_store_t **stp)

#endif
