/* Minimal Cortex-M start-up shared by every bare-metal image: the vector table (initial stack
 * pointer and reset handler first in flash), a reset handler that copies .data from flash,
 * zeroes .bss, grants the FPU when built for a hard-float ABI, then runs main and exits with its
 * status (under QEMU semihosting, exit() ends the emulator with that status). Clocks stay at
 * their reset defaults. Symbols come from the linker script (sections.ld).
 */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(int argc, char **argv);

void Reset_Handler(void);
void Default_Handler(void);
void _init(void);
void _fini(void);

void Default_Handler(void)
{
    for (;;) {
    }
}

typedef void (*vector_fn)(void);

/* The initial stack pointer is data, the handlers are code: a struct keeps both types honest. */
struct vector_table {
    uint32_t *initial_sp;
    vector_fn handlers[15];
};

__attribute__((section(".isr_vector"), used))
const struct vector_table trt_vectors = {
    &_estack,
    {Reset_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
     Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler,
     Default_Handler},
};

void Reset_Handler(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20); /* CPACR: CP10, CP11 full access */
    __asm volatile("dsb\n\tisb");
#endif
    exit(main(0, 0));
}

void _init(void) {}
void _fini(void) {}
