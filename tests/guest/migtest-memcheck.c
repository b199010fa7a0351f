/*
 * migtest-memcheck.c - check a guest RAM dump taken from migtest-guest.
 *
 * Usage:
 *   migtest-memcheck --mode dirty|fill --base MIB --mb MIB [--seed N]
 *                    [--min-pass K] DUMPFILE
 *
 * DUMPFILE is the output of the QEMU monitor command
 * "pmemsave 0 <ramsize> DUMPFILE" taken after "stop", typically on the
 * destination of a migration.  Page i of the test region is at file offset
 * base * 1 MiB + i * 4096.
 *
 * The dump must be a consistent snapshot of the guest's dirty loop, which
 * increments byte 0 of every page in address order, once per pass:
 *  - counters (mod 256) are v+1 for pages 0..p-1 and v for pages p..N-1,
 *    for some v and some step position 0 <= p < N;
 *  - bytes 1..4095 of each page are zero (--mode dirty) or the PRNG data
 *    of migtest-prng.h for that page (--mode fill, matching the guest's
 *    fill-then-dirty and fill-then-halt modes; after fill-then-halt all
 *    counters are 0).
 * Counters start at 0, so v is the number of completed passes modulo 256;
 * it is reported as "pass v".  --min-pass K (0..255) additionally requires
 * v >= K, which is only meaningful while the guest made fewer than 256
 * passes.
 *
 * To be robust against a single corrupted page, v and p are chosen to
 * minimise the number of pages whose counter does not fit.
 *
 * Exit status: 0 consistent, 1 inconsistent, 2 usage or I/O error.
 */

#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "migtest-prng.h"

#define MIB         (1024 * 1024)
#define MAX_REPORT  10

struct page_result {
    uint8_t counter;
    uint8_t expected;   /* first differing data byte: expected value */
    uint8_t actual;     /* ... and actual value */
    uint16_t offset;    /* ... and its offset in the page, 0 if none */
    uint16_t ndiff;     /* number of differing data bytes */
};

static void usage(void)
{
    fprintf(stderr,
            "usage: migtest-memcheck --mode dirty|fill --base MIB --mb MIB "
            "[--seed N] [--min-pass K] DUMPFILE\n");
    exit(2);
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t max)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v > max) {
        fprintf(stderr, "migtest-memcheck: bad value for %s: '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

/*
 * Number of counters that do not fit "pages 0..p-1 have v+1, pages
 * p..n-1 have v", for the best p in 0..n-1, which is stored in *best_p.
 */
static uint64_t best_step(const struct page_result *pr, uint64_t n,
                          uint8_t v, uint64_t *best_p)
{
    uint8_t w = v + 1;
    uint64_t cost = 0, best, i;

    for (i = 0; i < n; i++) {
        cost += pr[i].counter != v;
    }
    best = cost;
    *best_p = 0;
    for (i = 0; i + 1 < n; i++) {
        /* move page i from the "v" part to the "v+1" part */
        cost = cost - (pr[i].counter != v) + (pr[i].counter != w);
        if (cost < best) {
            best = cost;
            *best_p = i + 1;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *mode = NULL, *path = NULL;
    uint64_t base = 0, mb = 0, seed = 1, min_pass = 0, npages, i, p = 0;
    uint64_t bad_counters = UINT64_MAX, bad_data = 0, reported = 0;
    int have_base = 0, have_mb = 0, fill, c;
    struct page_result *pr;
    uint8_t page[MIGTEST_PAGE_SIZE], expect[MIGTEST_PAGE_SIZE];
    uint8_t v = 0;
    FILE *f;
    off_t size;

    for (c = 1; c < argc; c++) {
        const char *arg = argv[c];

        if (arg[0] != '-' || !strcmp(arg, "-")) {
            if (path) {
                usage();
            }
            path = arg;
            continue;
        }
        if (c + 1 >= argc) {
            usage();
        }
        if (!strcmp(arg, "--mode")) {
            mode = argv[++c];
        } else if (!strcmp(arg, "--base")) {
            base = parse_num(arg, argv[++c], 1 << 20);
            have_base = 1;
        } else if (!strcmp(arg, "--mb")) {
            mb = parse_num(arg, argv[++c], 1 << 20);
            have_mb = 1;
        } else if (!strcmp(arg, "--seed")) {
            seed = parse_num(arg, argv[++c], UINT64_MAX);
        } else if (!strcmp(arg, "--min-pass")) {
            min_pass = parse_num(arg, argv[++c], 255);
        } else {
            usage();
        }
    }
    if (!mode || !path || !have_base || !have_mb || mb == 0 ||
        (strcmp(mode, "dirty") && strcmp(mode, "fill"))) {
        usage();
    }
    fill = !strcmp(mode, "fill");
    npages = mb * (MIB / MIGTEST_PAGE_SIZE);

    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "migtest-memcheck: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (fseeko(f, 0, SEEK_END) || (size = ftello(f)) < 0) {
        fprintf(stderr, "migtest-memcheck: %s: %s\n", path, strerror(errno));
        return 2;
    }
    if ((uint64_t)size < (base + mb) * MIB) {
        fprintf(stderr, "migtest-memcheck: %s: %" PRIu64 " bytes, too small "
                "for a region ending at %" PRIu64 " MiB\n",
                path, (uint64_t)size, base + mb);
        return 2;
    }
    if (fseeko(f, (off_t)(base * MIB), SEEK_SET)) {
        fprintf(stderr, "migtest-memcheck: %s: %s\n", path, strerror(errno));
        return 2;
    }
    pr = calloc(npages, sizeof(*pr));
    if (!pr) {
        fprintf(stderr, "migtest-memcheck: out of memory\n");
        return 2;
    }

    /* Pass 1: read counters, check the data bytes. */
    memset(expect, 0, sizeof(expect));
    for (i = 0; i < npages; i++) {
        unsigned j;

        if (fread(page, 1, sizeof(page), f) != sizeof(page)) {
            fprintf(stderr, "migtest-memcheck: %s: short read\n", path);
            return 2;
        }
        if (fill) {
            migtest_prng_fill_page(expect, seed, i);
        }
        pr[i].counter = page[0];
        for (j = 1; j < MIGTEST_PAGE_SIZE; j++) {
            if (page[j] != expect[j]) {
                if (!pr[i].ndiff) {
                    pr[i].offset = j;
                    pr[i].expected = expect[j];
                    pr[i].actual = page[j];
                }
                pr[i].ndiff++;
            }
        }
        bad_data += pr[i].ndiff != 0;
    }
    fclose(f);

    /* Pass 2: find the counter value v and step p that fit best. */
    {
        uint8_t cand[3] = {
            pr[npages - 1].counter, pr[0].counter, pr[0].counter - 1
        };
        int k;

        for (k = 0; k < 3; k++) {
            uint64_t cp, cost = best_step(pr, npages, cand[k], &cp);

            if (cost < bad_counters) {
                bad_counters = cost;
                v = cand[k];
                p = cp;
            }
        }
    }

    /* Report offending pages in address order. */
    for (i = 0; i < npages && reported < MAX_REPORT; i++) {
        uint8_t want = i < p ? (uint8_t)(v + 1) : v;
        uint64_t off = base * MIB + i * MIGTEST_PAGE_SIZE;

        if (pr[i].counter != want) {
            printf("memcheck: page %" PRIu64 " (file offset 0x%" PRIx64 "): "
                   "counter expected %u got %u\n",
                   i, off, want, pr[i].counter);
            reported++;
        }
        if (pr[i].ndiff) {
            printf("memcheck: page %" PRIu64 " (file offset 0x%" PRIx64 "): "
                   "byte %u expected 0x%02x got 0x%02x "
                   "(%u data bytes differ)\n",
                   i, off + pr[i].offset, pr[i].offset, pr[i].expected,
                   pr[i].actual, pr[i].ndiff);
            reported++;
        }
    }
    free(pr);

    if (bad_counters || bad_data) {
        printf("memcheck: FAIL %" PRIu64 " pages with bad counter, %" PRIu64
               " pages with bad data, of %" PRIu64 " pages "
               "(best fit: pass %u, step at page %" PRIu64 ")\n",
               bad_counters, bad_data, npages, v, p);
        return 1;
    }
    if (v < min_pass) {
        printf("memcheck: FAIL pass %u < min-pass %" PRIu64 " (%" PRIu64
               " pages, step at page %" PRIu64 ")\n", v, min_pass, npages, p);
        return 1;
    }
    printf("memcheck: OK %" PRIu64 " pages, pass %u, step at page %" PRIu64
           "\n", npages, v, p);
    return 0;
}
