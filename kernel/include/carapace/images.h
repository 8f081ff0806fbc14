/*
 * The loaded images and their read-only parts: the kernel image (text,
 * rodata, the symbol tables), musl's text and rodata inside it (the image
 * with libc), and each ELF object of the application (its text, rodata
 * and RELRO). Fault reports name the image a write to read-only memory hit
 * (violation=wx); the loader asks whether an address is executable text
 * before it trusts it as code (an IFUNC resolver's answer).
 */
#ifndef CARAPACE_IMAGES_H
#define CARAPACE_IMAGES_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/elf.h>

#define IMAGE_MAX_OBJECTS 16

/*
 * Records an ELF object placed at base (the run-time address of its window
 * offset 0) under name (copied; reported as "object:NAME"). elf must stay
 * valid as long as the object is loaded. 0, or -ENOMEM when the table is
 * full. Called by the loader before the application runs.
 */
int image_add_object(const char *name, uint64_t base, const struct elf_object *elf);

/*
 * When addr lies in a read-only part of an image (text, rodata, RELRO),
 * sets *region ("kernel", "musl", "object:NAME") and *why (which part,
 * as the report says it) and returns true. Takes no lock.
 */
bool image_readonly_part(uint64_t addr, const char **region, const char **why);

/* Whether addr lies in executable text: the kernel image's or an object's. */
bool image_in_text(uint64_t addr);

#endif
