/*
 * The loaded images (carapace/images.h): the kernel image, whose ranges
 * the linker script gives (kernel.ld), and the application's ELF objects,
 * which the loader records as it places them. The table is written before
 * the application runs and read by fault reports, which take no lock: a
 * slot is filled before the count that publishes it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/fmt.h>
#include <carapace/images.h>

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __ksyms_start[], __ksyms_end[];
extern char __libc_text_start[], __libc_text_end[];
extern char __libc_rodata_start[], __libc_rodata_end[];

struct loaded_object {
	uint64_t base;
	const struct elf_object *elf;
	char region[48]; /* "object:NAME", as layout=show names it */
};

static struct loaded_object objects[IMAGE_MAX_OBJECTS];
static unsigned nobjects;

static bool in(uint64_t addr, const char *start, const char *end)
{
	return addr >= (uint64_t)start && addr < (uint64_t)end;
}

int image_add_object(const char *name, uint64_t base, const struct elf_object *elf)
{
	struct loaded_object *o;

	if (nobjects == IMAGE_MAX_OBJECTS)
		return -ENOMEM;
	o = &objects[nobjects];
	o->base = base;
	o->elf = elf;
	fmt_snprintf(o->region, sizeof(o->region), "object:%s", name);
	__atomic_store_n(&nobjects, nobjects + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The object whose window holds addr, and addr's offset in it; NULL if none. */
static const struct loaded_object *object_of(uint64_t addr, uint64_t *off)
{
	unsigned n = __atomic_load_n(&nobjects, __ATOMIC_ACQUIRE);

	for (unsigned i = 0; i < n; i++)
		if (addr >= objects[i].base && addr - objects[i].base < objects[i].elf->span) {
			*off = addr - objects[i].base;
			return &objects[i];
		}
	return NULL;
}

/* The segment of e whose pages hold window offset off, or NULL. */
static const struct elf_segment *segment_at(const struct elf_object *e, uint64_t off)
{
	for (unsigned i = 0; i < e->nseg; i++)
		if (off >= e->seg[i].win_off && off - e->seg[i].win_off < e->seg[i].win_size)
			return &e->seg[i];
	return NULL;
}

/* An object's read-only part at off: text, rodata or RELRO; NULL when writable. */
static const char *object_readonly_part(const struct elf_object *e, uint64_t off)
{
	const struct elf_segment *s = segment_at(e, off);

	if (!s)
		return NULL;
	if (s->prot & ELF_PROT_X)
		return "write to the object's text";
	if (!(s->prot & ELF_PROT_W))
		return "write to the object's read-only data";
	if (off >= e->relro_off && off - e->relro_off < e->relro_size)
		return "write to the object's RELRO data (read-only after relocation)";
	return NULL; /* writable data the application made read-only itself */
}

bool image_readonly_part(uint64_t addr, const char **region, const char **why)
{
	const struct loaded_object *o;
	uint64_t off;

	if (in(addr, __libc_text_start, __libc_text_end) ||
	    in(addr, __libc_rodata_start, __libc_rodata_end)) {
		*region = "musl";
		*why = in(addr, __libc_text_start, __libc_text_end)
			       ? "write to musl's text (in the kernel image)"
			       : "write to musl's rodata (in the kernel image)";
		return true;
	}
	if (in(addr, __text_start, __rodata_end) || in(addr, __ksyms_start, __ksyms_end)) {
		*region = "kernel";
		*why = "write to read-only kernel text or data";
		return true;
	}
	if ((o = object_of(addr, &off)) && (*why = object_readonly_part(o->elf, off))) {
		*region = o->region;
		return true;
	}
	return false;
}

bool image_in_text(uint64_t addr)
{
	const struct loaded_object *o;
	const struct elf_segment *s;
	uint64_t off;

	if (in(addr, __text_start, __text_end))
		return true;
	return (o = object_of(addr, &off)) && (s = segment_at(o->elf, off)) &&
	       (s->prot & ELF_PROT_X);
}
