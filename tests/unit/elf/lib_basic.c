/*
 * A shared object for tests/unit/test_elf.c: a global, a function pointer
 * table (RELATIVE, 64), calls and data of the host (JUMP_SLOT, GLOB_DAT),
 * a weak symbol nobody defines, a general-dynamic TLS variable (DTPMOD64,
 * DTPOFF64) and initialisers whose order the test checks.
 */
extern int host_add(int a, int b);
extern int host_data;
extern int host_absent(void) __attribute__((weak));

int lib_global = 40;
static int twice(int x) { return 2 * x; }
static int thrice(int x) { return 3 * x; }
int (*lib_table[])(int) = { twice, thrice };
int *lib_global_ptr = &lib_global;
__thread int lib_tls = 7;

int lib_order[8];
int lib_order_n;

static void note(int id) { lib_order[lib_order_n++] = id; }
void lib_init(void) { note(1); }
void lib_fini(void) { note(9); }
__attribute__((constructor(101))) static void ctor_a(void) { note(2); }
__attribute__((constructor(102))) static void ctor_b(void) { note(3); }
__attribute__((destructor(101))) static void dtor_a(void) { note(8); }
__attribute__((destructor(102))) static void dtor_b(void) { note(7); }

/* 2*x + 3*x + host_add(x, host_data) + lib_global + tls (+1 if weak set). */
int lib_compute(int x)
{
	lib_tls += x;
	return lib_table[0](x) + lib_table[1](x) + host_add(x, host_data) +
	       *lib_global_ptr + lib_tls + (host_absent ? 1000 : 0);
}
