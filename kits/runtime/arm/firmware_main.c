/* Firmware application for the microcontroller kits: classify one input baked into flash (a
 * recorded sensor frame from the kit's test set), print the class, its probability and how
 * many cycles the SysTick counted, and exit 0 when the answer is the expected one. Output goes
 * through semihosting (a debug probe, or QEMU). Clocks stay at reset defaults.
 */
#include <stdio.h>
#include <string.h>

#include "tinyrt.h"

extern const trt_model trt_model_main;
extern int8_t *const trt_arena;
extern const int8_t trt_test_inputs[];
extern const char *const trt_labels[];
extern const int trt_expected;
extern void initialise_monitor_handles(void);

int main(int argc, char **argv)
{
    const trt_model *m = &trt_model_main;
    uint32_t n_out = trt_tensor_size(m, m->output), j, best = 0;
    const int8_t *out;
    (void)argc;
    (void)argv;
    initialise_monitor_handles();
    memcpy(trt_tensor_data(m, trt_arena, m->input), trt_test_inputs,
           trt_tensor_size(m, m->input));
    if (trt_invoke(m, trt_arena) != 0) {
        printf("error: unknown op in the model\n");
        return 2;
    }
    out = trt_tensor_data(m, trt_arena, m->output);
    for (j = 1; j < n_out; j++) {
        best = out[j] > out[best] ? j : best;
    }
    printf("model %s: class %s (p = %d/256), arena %lu bytes (naive %lu)\n", m->name,
           trt_labels[best], (int)out[best] + 128, (unsigned long)m->arena_bytes,
           (unsigned long)m->naive_bytes);
    return (int)best == trt_expected ? 0 : 1;
}
