/* vmmsample.c - see vmmsample.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmmsample.h"

/*
 * /proc/PID/stat fields after the ")" closing comm, counted from field 3
 * (state) as index 0: utime is field 14, stime 15, guest_time 43.
 */
#define STAT_UTIME_IDX (14 - 3)
#define STAT_STIME_IDX (15 - 3)
#define STAT_GTIME_IDX (43 - 3)

/* Sized by the initializer: a count other than NR_KVM_COUNTERS fails to compile. */
const struct kvm_counter kvm_counters[] = {
    {"exits", "exits"},
    {"io_exits", "x_io"},
    {"mmio_exits", "x_mmio"},
    {"pf_taken", "x_pf"},
    {"halt_exits", "x_halt"},
    {"irq_exits", "x_irq"},
    {"irq_window_exits", "x_irqwin"},
    {"insn_emulation", "x_emul"},
    {"signal_exits", "x_signal"},
};

/* One /proc/PID/smaps mapping being accumulated. */
struct mapping {
	bool valid;
	bool guest;
	uint64_t size;
	uint64_t rss_kib;
	uint64_t priv_kib;
	char desc[160];
};

/* read_u64_file - the first decimal number in PATH (debugfs stat files). */
static int read_u64_file(const char *path, uint64_t *out)
{
	unsigned long long v;
	FILE *f = fopen(path, "re");
	int ret = -EIO;

	if (!f)
		return -errno;
	if (fscanf(f, "%llu", &v) == 1) {
		*out = v;
		ret = 0;
	}
	fclose(f);
	return ret;
}

/* read_kvm_counters - see vmmsample.h; NA where unreadable. */
void read_kvm_counters(const char *dir, uint64_t *v)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < NR_KVM_COUNTERS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kvm_counters[i].file);
		if (read_u64_file(path, &v[i]))
			v[i] = NA;
	}
}

/*
 * parse_stat - utime, stime and guest_time (clock ticks) from the text of a
 * /proc stat file. comm may hold spaces and parentheses: fields are counted
 * from the last ')'.
 */
static int parse_stat(char *text, uint64_t *utime, uint64_t *stime, uint64_t *gtime)
{
	char *p = strrchr(text, ')'), *tok, *save = NULL;
	unsigned int idx = 0;
	bool have_u = false, have_s = false, have_g = false;

	if (!p)
		return -EINVAL;
	for (tok = strtok_r(p + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), idx++) {
		if (idx == STAT_UTIME_IDX)
			have_u = sscanf(tok, "%" SCNu64, utime) == 1;
		else if (idx == STAT_STIME_IDX)
			have_s = sscanf(tok, "%" SCNu64, stime) == 1;
		else if (idx == STAT_GTIME_IDX)
			have_g = sscanf(tok, "%" SCNu64, gtime) == 1;
	}
	return have_u && have_s && have_g ? 0 : -EINVAL;
}

/* stat_own_ticks - utime + stime - guest_time of one stat file, in ticks. */
static int stat_own_ticks(const char *path, uint64_t *ticks)
{
	uint64_t u, s, g;
	char text[2048];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (parse_stat(text, &u, &s, &g))
		return -EINVAL;
	/*
	 * utime already contains guest_time (the kernel accounts guest ticks
	 * to both); the values are tick-scaled, so clamp rather than wrap.
	 */
	*ticks = u + s > g ? u + s - g : 0;
	return 0;
}

static uint64_t ticks_to_ms(uint64_t ticks, long hz)
{
	return hz > 0 ? ticks * 1000 / (uint64_t)hz : NA;
}

void sample_cpu(pid_t pid, struct sample *s)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t sum = 0, t;
	char path[96];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	s->proc_cpu_ms = stat_own_ticks(path, &t) ? NA : ticks_to_ms(t, hz);
	s->cpu_ms = NA;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return;
	s->threads = 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", (int)pid, d->d_name);
		/* A thread that exited meanwhile is counted by proc_cpu_ms only. */
		if (stat_own_ticks(path, &t))
			continue;
		sum += t;
		s->threads++;
	}
	closedir(dir);
	s->cpu_ms = ticks_to_ms(sum, hz);
}

/* flush_mapping - add a finished mapping to the totals (and list it). */
static void flush_mapping(struct mapping *m, struct sample *s, bool verbose)
{
	if (!m->valid)
		return;
	s->rss_kib += m->rss_kib;
	if (m->guest) {
		s->guest_rss_kib += m->rss_kib;
		s->guest_maps++;
	} else {
		s->priv_kib += m->priv_kib;
	}
	if (verbose)
		fprintf(stderr, "vmmstat: %s %8" PRIu64 " kB rss %8" PRIu64 " kB priv %s\n",
			m->guest ? "GUEST" : "     ", m->rss_kib, m->priv_kib, m->desc);
	m->valid = false;
}

/*
 * start_mapping - parse a smaps header "start-end perms offset dev inode
 * [path]". Returns false if @line is not a header. Anonymous memory has
 * device 00:00, inode 0 and no path (or a "[anon:...]" name).
 */
static bool start_mapping(const char *line, uint64_t mem_bytes, struct mapping *m)
{
	unsigned long long start, end, off, inode;
	unsigned int maj, min;
	char perms[8];
	int pos = 0;
	const char *path;
	bool anon;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj, &min,
		   &inode, &pos) < 7 ||
	    end < start)
		return false;
	path = line + pos;
	anon = !maj && !min && !inode && (!*path || *path == '\n' || !strncmp(path, "[anon:", 6));
	*m = (struct mapping){.valid = true, .size = end - start};
	m->guest = anon && m->size == mem_bytes;
	snprintf(m->desc, sizeof(m->desc), "%llx-%llx %s %6llu kB %.*s", start, end, perms,
		 (end - start) >> 10, (int)strcspn(path, "\n"), path);
	return true;
}

void sample_smaps(pid_t pid, uint64_t mem_bytes, bool verbose, struct sample *s)
{
	struct mapping m = {.valid = false};
	unsigned int nr_maps = 0;
	unsigned long long kib;
	char path[64], key[32];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		s->priv_kib = s->rss_kib = s->guest_rss_kib = s->guest_maps = NA;
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%31[A-Za-z_]: %llu kB", key, &kib) == 2) {
			if (!strcmp(key, "Rss"))
				m.rss_kib = kib;
			else if (!strcmp(key, "Private_Clean") || !strcmp(key, "Private_Dirty"))
				m.priv_kib += kib;
			continue;
		}
		if (line[0] >= 'A' && line[0] <= 'Z')
			continue; /* VmFlags: and other non-numeric keys */
		flush_mapping(&m, s, verbose);
		nr_maps += start_mapping(line, mem_bytes, &m);
	}
	flush_mapping(&m, s, verbose);
	free(line);
	fclose(f);
	/* A process that has already exited (a zombie) has no mappings. */
	if (!nr_maps)
		s->priv_kib = s->rss_kib = s->guest_rss_kib = s->guest_maps = NA;
}
