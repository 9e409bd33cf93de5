/* Scratch directories for unit tests: the parent process makes one base
 * directory under /tmp before the tests run and removes it when it exits;
 * each (forked) test makes its own subdirectory with lh_test_tmpdir(). */
#ifndef LH_TEST_TMPDIR_H
#define LH_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char lh_test_base_[64];
static pid_t lh_test_owner_;

static int lh_test_rm_(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

__attribute__((constructor)) static void lh_test_base_make_(void)
{
    snprintf(lh_test_base_, sizeof lh_test_base_, "/tmp/lhtest.XXXXXX");
    if (!mkdtemp(lh_test_base_)) abort();
    lh_test_owner_ = getpid();
}

__attribute__((destructor)) static void lh_test_base_rm_(void)
{
    if (getpid() == lh_test_owner_) nftw(lh_test_base_, lh_test_rm_, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new empty directory; the path is static storage (one per call site use). */
static inline const char *lh_test_tmpdir(void)
{
    static char path[128];
    static int n;
    snprintf(path, sizeof path, "%s/t%d.%d", lh_test_base_, (int)getpid(), n++);
    if (mkdir(path, 0755) != 0) abort();
    return path;
}

/* Removes a directory tree made with lh_test_tmpdir() before the run ends
 * (tests that make big stores free the disk as they go). */
static inline void lh_test_rmtree(const char *path)
{
    nftw(path, lh_test_rm_, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
