/* Test harness: run the model on every baked test input and print each int8 output as hex,
 * one line per sample, then "done N". The same file runs on the host, under qemu-aarch64 and
 * bare-metal under QEMU with semihosting; the Python side compares the lines with its int8
 * reference byte for byte. Built with TRT_HOSTED, an optional argument repeats the test set
 * that many times without printing and reports the time per inference instead (benchmarks).
 */
#include <stdio.h>
#include <string.h>

#include "tinyrt.h"

extern const trt_model trt_model_main;
extern int8_t *const trt_arena;
extern const int8_t trt_test_inputs[];
extern const uint32_t trt_test_count;

#ifdef TRT_SEMIHOSTING
extern void initialise_monitor_handles(void);
#endif
#ifdef TRT_HOSTED
#include <stdlib.h>
#include <time.h>
#endif

static int run_one(uint32_t i, int print)
{
    const trt_model *m = &trt_model_main;
    uint32_t n_in = trt_tensor_size(m, m->input), n_out = trt_tensor_size(m, m->output), j;
    const int8_t *out;
    int rc;
    memcpy(trt_tensor_data(m, trt_arena, m->input), trt_test_inputs + i * n_in, n_in);
    rc = trt_invoke(m, trt_arena);
    if (rc != 0) {
        printf("error: op %d has an unknown kind\n", rc);
        return rc;
    }
    if (print) {
        out = trt_tensor_data(m, trt_arena, m->output);
        for (j = 0; j < n_out; j++) {
            printf("%02x", (unsigned)(uint8_t)out[j]);
        }
        printf("\n");
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t i;
#ifdef TRT_SEMIHOSTING
    initialise_monitor_handles();
#endif
#ifdef TRT_HOSTED
    if (argc > 1) {
        long r, repeat = strtol(argv[1], NULL, 10);
        clock_t t0 = clock();
        for (r = 0; r < repeat; r++) {
            for (i = 0; i < trt_test_count; i++) {
                run_one(i, 0);
            }
        }
        printf("us_per_inference %.3f\n",
               1e6 * (double)(clock() - t0) / CLOCKS_PER_SEC / (double)(repeat * trt_test_count));
        return 0;
    }
#else
    (void)argc;
    (void)argv;
#endif
    for (i = 0; i < trt_test_count; i++) {
        if (run_one(i, 1) != 0) {
            return 1;
        }
    }
    printf("done %lu\n", (unsigned long)trt_test_count);
    return 0;
}
