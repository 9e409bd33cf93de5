/* What a page fault costs on this machine: the first write to memory a
 * process maps, with 4 KiB pages and with transparent huge pages, when the
 * memory was freed long ago (cold) and when another process freed it a
 * moment before (warm), against a memset of memory already mapped. Every
 * `lakehouse` process (a task is one) pays the first case for its peak
 * memory. See bench/README.md ("Fresh memory").
 *   fresh_memory MIB child 4k|huge   one process: map, touch, exit
 *   fresh_memory MIB                 the table (runs itself as children)
 * Output: one line per case, milliseconds per MiB. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Maps mib MiB, touches one byte per 4 KiB, prints ms per MiB for the
 * touch, then for a memset of the same (mapped) memory. */
static int child(size_t mib, int huge)
{
    size_t n = mib << 20;
    char *p =
        mmap(NULL, n + (2u << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return perror("mmap"), 1;
    p = (char *)(((unsigned long)p + (2u << 20) - 1) & ~((2ul << 20) - 1)); /* 2 MiB aligned */
    if (madvise(p, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) return perror("madvise"), 1;
    double t0 = now();
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    double t1 = now();
    memset(p, 2, n);
    double t2 = now();
    printf("%.3f %.3f\n", (t1 - t0) * 1e3 / (double)mib, (t2 - t1) * 1e3 / (double)mib);
    return 0;
}

/* Runs `self mib child kind` and reads its two numbers. */
static int run(const char *self, const char *mib, const char *kind, double *touch, double *set)
{
    int fd[2];
    if (pipe(fd)) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(self, self, mib, "child", kind, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char out[128] = {0};
    ssize_t got = read(fd[0], out, sizeof out - 1);
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    return got > 0 && sscanf(out, "%lf %lf", touch, set) == 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: fresh_memory MIB [child 4k|huge]\n");
        return 2;
    }
    if (argc == 4 && !strcmp(argv[2], "child"))
        return child((size_t)atoi(argv[1]), !strcmp(argv[3], "huge"));
    const char *kinds[] = {"4k", "huge"};
    printf("%-6s %-5s %14s %14s\n", "pages", "case", "touch ms/MiB", "memset ms/MiB");
    for (int k = 0; k < 2; k++) {
        double t, s;
        sleep(5); /* what the last run freed has gone back to the host, if it goes */
        if (run(argv[0], argv[1], kinds[k], &t, &s)) return 1;
        printf("%-6s %-5s %14.3f %14.3f\n", kinds[k], "cold", t, s);
        if (run(argv[0], argv[1], kinds[k], &t, &s)) return 1; /* right after the cold one */
        printf("%-6s %-5s %14.3f %14.3f\n", kinds[k], "warm", t, s);
    }
    return 0;
}
