/* Minimal unit-test harness: a table of named tests, each run in isolation
 * (forked), with CHECK macros that report file:line. Prints one line per test
 * and a closing "N passed, N failed" line. */
#ifndef LH_TEST_H
#define LH_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} lh_test_t;

static int lh_test_failed_;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            lh_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_,    \
                    b_);                                                                           \
            lh_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_)) {                                                        \
            fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,    \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            lh_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static inline int lh_test_main(const lh_test_t *tests, int argc, char **argv)
{
    int pass = 0, fail = 0;
    for (const lh_test_t *t = tests; t->name; t++) {
        if (argc > 1 && !strstr(t->name, argv[1])) continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            lh_test_failed_ = 0;
            t->fn();
            fflush(stdout);
            _exit(lh_test_failed_ ? 1 : 0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
        if (ok)
            pass++;
        else
            fail++;
    }
    printf("%d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}

#define LH_TEST_MAIN(table)                                                                        \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return lh_test_main(table, argc, argv);                                                    \
    }

#endif
