/*
 * A shared object for tests/unit/test_elf.c with initial-exec TLS
 * (TPOFF64) and a SysV DT_HASH table instead of DT_GNU_HASH.
 */
__attribute__((tls_model("initial-exec"))) __thread long ie_tls[4] = { 1, 2, 3, 4 };

long *ie_tls_addr(void) { return &ie_tls[2]; }
int ie_value = 5;
int ie_get(void) { return ie_value; }
