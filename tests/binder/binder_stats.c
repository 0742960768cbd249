// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end test of the Binder statistics that binderfs shows with
 * "-o stats=global" (binder_logs/stats), and a Binder transaction benchmark.
 *
 *   binder_stats [test [M]]
 *	Mounts binderfs on /dev/binderfs, adds a device of its own through
 *	binder-control, makes a server process the context manager and checks:
 *	- malformed transactions (bad handle, data without a buffer, offsets
 *	  not a multiple of 8, a truncated command): the ioctl's result, the
 *	  returns, the extended error and the exact change of every counter
 *	  (BR_NOOP excepted) are what the unchanged driver gives;
 *	- one client process per online CPU, pinned there, each doing M
 *	  (default 200) transactions with replies: every counter that changed
 *	  equals what the clients and the server sent and received, and no
 *	  failed or dead reply.
 *	Prints "ok N - ..." / "not ok N - ..." lines and, last,
 *	"binder_stats: N passed, N failed"; exits 1 on any failure.
 *
 *   binder_stats bench N_CLIENTS M
 *	N_CLIENTS clients ("cpus": one per online CPU, pinned round-robin),
 *	M transactions each, against a server with one thread per client.
 *	Prints one line:
 *	"binder_bench: clients=C cpus=P transactions=T elapsed_ns=E tps=R"
 *
 * Everything is bounded by alarm(TIMEOUT): a hung transaction ends the
 * program with a clear error instead of hanging the boot.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/android/binder.h>
#include <linux/android/binderfs.h>

#define BINDERFS	"/dev/binderfs"
#define STATS_FILE	BINDERFS "/binder_logs/stats"
#define MAP_SIZE	(1024 * 1024)
#define TEST_M		200
#define TIMEOUT		120
#define MAX_CLIENTS	64
#define MAX_STATS	128
#define NR_CODES	64
#define PING		0x50494e47	/* "PING" */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Names by _IOC_NR, as the driver prints them (rust_binder_events.c). */
static const char * const bc_names[] = {
	"BC_TRANSACTION", "BC_REPLY", "BC_ACQUIRE_RESULT", "BC_FREE_BUFFER",
	"BC_INCREFS", "BC_ACQUIRE", "BC_RELEASE", "BC_DECREFS",
	"BC_INCREFS_DONE", "BC_ACQUIRE_DONE", "BC_ATTEMPT_ACQUIRE",
	"BC_REGISTER_LOOPER", "BC_ENTER_LOOPER", "BC_EXIT_LOOPER",
	"BC_REQUEST_DEATH_NOTIFICATION", "BC_CLEAR_DEATH_NOTIFICATION",
	"BC_DEAD_BINDER_DONE", "BC_TRANSACTION_SG", "BC_REPLY_SG",
	"BC_REQUEST_FREEZE_NOTIFICATION", "BC_CLEAR_FREEZE_NOTIFICATION",
	"BC_FREEZE_NOTIFICATION_DONE",
};

static const char * const br_names[] = {
	"BR_ERROR", "BR_OK", "BR_TRANSACTION", "BR_REPLY", "BR_ACQUIRE_RESULT",
	"BR_DEAD_REPLY", "BR_TRANSACTION_COMPLETE", "BR_INCREFS", "BR_ACQUIRE",
	"BR_RELEASE", "BR_DECREFS", "BR_ATTEMPT_ACQUIRE", "BR_NOOP",
	"BR_SPAWN_LOOPER", "BR_FINISHED", "BR_DEAD_BINDER",
	"BR_CLEAR_DEATH_NOTIFICATION_DONE", "BR_FAILED_REPLY", "BR_FROZEN_REPLY",
	"BR_ONEWAY_SPAM_SUSPECT", "BR_TRANSACTION_PENDING_FROZEN",
	"BR_FROZEN_BINDER", "BR_CLEAR_FREEZE_NOTIFICATION_DONE",
};

/* What the program sent and received, by _IOC_NR; in memory shared by all. */
struct counts {
	unsigned long bc[NR_CODES];
	unsigned long br[NR_CODES];
};

struct shared {
	struct counts client;
	struct counts server;
	unsigned long served;	/* BR_TRANSACTION received by the server */
	long pending;		/* server replies without their TRANSACTION_COMPLETE */
	unsigned long expected;	/* transactions the server is to serve */
	int started;		/* server threads that have entered the looper */
	int server_error;
	int client_error;
	char msg[256];		/* the first error of a client or the server */
};

static struct shared *sh;
static char device[64];
static pid_t children[MAX_CLIENTS + 1];
static int nchildren;
static int tests, failures;
static const char *mode = "test";
static bool armed;

static void count(unsigned long *arr, __u32 cmd)
{
	if (_IOC_NR(cmd) < NR_CODES)
		__atomic_fetch_add(&arr[_IOC_NR(cmd)], 1, __ATOMIC_RELAXED);
}

static const char *br_name(__u32 cmd)
{
	return _IOC_NR(cmd) < ARRAY_SIZE(br_names) ? br_names[_IOC_NR(cmd)] : "BR_?";
}

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!ok)
		failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void finish(void)
{
	printf("binder_stats: %d passed, %d failed\n", tests - failures, failures);
	fflush(stdout);
	exit(failures ? 1 : 0);
}

/* A child's first error goes to the parent through the shared page. */
static void child_error(int *flag, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(flag, 1, __ATOMIC_SEQ_CST) == 0 && !sh->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(sh->msg, sizeof(sh->msg), fmt, ap);
		va_end(ap);
	}
}

static void kill_children(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

static void on_alarm(int sig)
{
	(void)sig;
	kill_children();
	if (!strcmp(mode, "bench")) {
		printf("binder_bench: error: timeout, not done in %d s\n", TIMEOUT);
	} else {
		printf("not ok %d - timeout: the binder test did not finish in %d s (%s)\n",
		       tests + 1, TIMEOUT, sh && sh->msg[0] ? sh->msg : "no error reported");
		printf("binder_stats: %d passed, %d failed\n", tests - failures,
		       failures + 1);
	}
	fflush(stdout);
	_exit(1);
}

/* The global counters: the "NAME: value" lines before the first "proc" line. */
struct stats {
	int n;
	char name[MAX_STATS][48];
	unsigned long val[MAX_STATS];
};

static int read_stats(struct stats *s)
{
	char line[256], name[48];
	unsigned long v;
	FILE *f;

	s->n = 0;
	f = fopen(STATS_FILE, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "proc ", 5))
			break;
		if (sscanf(line, "%47[A-Z_]: %lu", name, &v) != 2 || s->n == MAX_STATS)
			continue;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
		s->val[s->n++] = v;
	}
	fclose(f);
	return 0;
}

static unsigned long stat_of(const struct stats *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->val[i];
	return 0;
}

/* Each counter name that is in a or b, once; returns their number. */
static int stat_names(const struct stats *a, const struct stats *b,
		      const char **names)
{
	const struct stats *s[2] = { a, b };
	int i, j, k, n = 0;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < s[k]->n; i++) {
			for (j = 0; j < n; j++)
				if (!strcmp(names[j], s[k]->name[i]))
					break;
			if (j == n && n < 2 * MAX_STATS)
				names[n++] = s[k]->name[i];
		}
	}
	return n;
}

/* The program's own count of a counter, by name; -1 for a name it does not know. */
static long own_count(const struct counts *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bc_names); i++)
		if (!strcmp(bc_names[i], name))
			return c->bc[i];
	for (i = 0; i < ARRAY_SIZE(br_names); i++)
		if (!strcmp(br_names[i], name))
			return c->br[i];
	return -1;
}

static int mount_binderfs(void)
{
	struct stat st;

	if (!stat(STATS_FILE, &st))
		return 0;
	if (mkdir(BINDERFS, 0755) && errno != EEXIST)
		return -errno;
	if (mount("binder", BINDERFS, "binder", 0, "stats=global"))
		return -errno;
	return stat(STATS_FILE, &st) ? -errno : 0;
}

/* A device of our own, so that every run gets a fresh context manager. */
static int add_device(void)
{
	struct binderfs_device dev = { 0 };
	int fd, ret;

	static int n;

	snprintf(dev.name, sizeof(dev.name), "%s-%d-%d", mode, getpid(), n++);
	fd = open(BINDERFS "/binder-control", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, BINDER_CTL_ADD, &dev);
	ret = ret < 0 ? -errno : 0;
	close(fd);
	snprintf(device, sizeof(device), BINDERFS "/%s", dev.name);
	return ret;
}

static int open_binder(int flags)
{
	struct binder_version v = { 0 };
	void *map;
	int fd;

	fd = open(device, O_RDWR | O_CLOEXEC | flags);
	if (fd < 0)
		return -1;
	if (ioctl(fd, BINDER_VERSION, &v) < 0 ||
	    v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION) {
		close(fd);
		errno = EPROTO;
		return -1;
	}
	map = mmap(NULL, MAP_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A write buffer of commands. */
struct wbuf {
	__u8 data[256];
	size_t len;
};

static void put(struct wbuf *w, __u32 cmd, const void *arg, size_t size)
{
	memcpy(w->data + w->len, &cmd, sizeof(cmd));
	memcpy(w->data + w->len + sizeof(cmd), arg, size);
	w->len += sizeof(cmd) + size;
}

/* BINDER_WRITE_READ of w (then emptied) and into r; counts the commands sent. */
static int write_read(int fd, struct wbuf *w, __u8 *r, size_t rsize, size_t *rlen,
		      unsigned long *bc)
{
	struct binder_write_read bwr = {
		.write_size = w->len,
		.write_buffer = (uintptr_t)w->data,
		.read_size = rsize,
		.read_buffer = (uintptr_t)r,
	};
	size_t off;
	__u32 cmd;
	int ret;

	do {
		ret = ioctl(fd, BINDER_WRITE_READ, &bwr);
	} while (ret < 0 && errno == EINTR && bwr.write_consumed == 0 && bwr.read_consumed == 0);
	if (ret < 0)
		return -errno;
	if (bwr.write_consumed != w->len)
		return -EIO;
	for (off = 0; off < w->len; off += sizeof(cmd) + _IOC_SIZE(cmd)) {
		memcpy(&cmd, w->data + off, sizeof(cmd));
		count(bc, cmd);
	}
	w->len = 0;
	*rlen = bwr.read_consumed;
	return 0;
}

/* The next return in r: its code and payload; false at the end. */
static bool next_return(const __u8 *r, size_t len, size_t *off, __u32 *cmd,
			const void **payload)
{
	if (*off + sizeof(*cmd) > len)
		return false;
	memcpy(cmd, r + *off, sizeof(*cmd));
	*payload = r + *off + sizeof(*cmd);
	*off += sizeof(*cmd) + _IOC_SIZE(*cmd);
	return *off <= len;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		child_error(&sh->client_error, "sched_setaffinity(%d): %s", cpu,
			    strerror(errno));
}

/* A server thread enters the looper (write only) before the server says it is ready. */
static void enter_looper(int fd)
{
	struct wbuf w = { .len = 0 };
	size_t len;

	put(&w, BC_ENTER_LOOPER, NULL, 0);
	if (write_read(fd, &w, NULL, 0, &len, sh->server.bc)) {
		child_error(&sh->server_error, "server: BC_ENTER_LOOPER failed");
		_exit(1);
	}
	__atomic_fetch_add(&sh->started, 1, __ATOMIC_SEQ_CST);
}

/* The server's loop: it replies to each transaction with the request's data. */
static void serve(int fd)
{
	__u8 r[512];
	struct wbuf w = { .len = 0 };
	struct binder_transaction_data reply = { 0 };
	__u64 data;
	size_t len, off;
	__u32 cmd;
	const void *p;
	int ret;

	for (;;) {
		ret = write_read(fd, &w, r, sizeof(r), &len, sh->server.bc);
		if (ret) {
			child_error(&sh->server_error, "server: BINDER_WRITE_READ: %s",
				    strerror(-ret));
			_exit(1);
		}
		off = 0;
		while (next_return(r, len, &off, &cmd, &p)) {
			struct binder_transaction_data tr;

			count(sh->server.br, cmd);
			switch (cmd) {
			case BR_NOOP:
			case BR_SPAWN_LOOPER:
				break;
			case BR_TRANSACTION_COMPLETE:
				__atomic_fetch_sub(&sh->pending, 1, __ATOMIC_SEQ_CST);
				break;
			case BR_TRANSACTION:
				memcpy(&tr, p, sizeof(tr));
				if (w.len || tr.code != PING || tr.data_size != sizeof(data)) {
					child_error(&sh->server_error,
						    "server: unexpected transaction (code %#x, size %llu)",
						    tr.code, (unsigned long long)tr.data_size);
					_exit(1);
				}
				memcpy(&data, (void *)(uintptr_t)tr.data.ptr.buffer, sizeof(data));
				__atomic_fetch_add(&sh->pending, 1, __ATOMIC_SEQ_CST);
				__atomic_fetch_add(&sh->served, 1, __ATOMIC_SEQ_CST);
				put(&w, BC_FREE_BUFFER, &tr.data.ptr.buffer,
				    sizeof(binder_uintptr_t));
				reply.code = PING;
				reply.data_size = sizeof(data);
				reply.data.ptr.buffer = (uintptr_t)&data;
				put(&w, BC_REPLY, &reply, sizeof(reply));
				break;
			default:
				child_error(&sh->server_error, "server: unexpected %s",
					    br_name(cmd));
				_exit(1);
			}
		}
		/* All served and every reply's TRANSACTION_COMPLETE read: done. */
		if (!w.len && __atomic_load_n(&sh->served, __ATOMIC_SEQ_CST) >= sh->expected &&
		    __atomic_load_n(&sh->pending, __ATOMIC_SEQ_CST) == 0)
			_exit(0);
	}
}

static void *server_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;

	enter_looper(fd);
	serve(fd);
	return NULL;
}

/* The server: the context manager, with nthreads looper threads. */
static void run_server(int nthreads, int ready)
{
	pthread_t t;
	int fd, i;

	fd = open_binder(0);
	if (fd < 0 || ioctl(fd, BINDER_SET_CONTEXT_MGR, 0) < 0) {
		child_error(&sh->server_error, "server: %s: %s", fd < 0 ?
			    "open" : "BINDER_SET_CONTEXT_MGR", strerror(errno));
		_exit(1);
	}
	enter_looper(fd);
	for (i = 1; i < nthreads; i++)
		if (pthread_create(&t, NULL, server_thread, (void *)(intptr_t)fd)) {
			child_error(&sh->server_error, "server: pthread_create failed");
			_exit(1);
		}
	while (__atomic_load_n(&sh->started, __ATOMIC_SEQ_CST) < nthreads)
		usleep(1000);
	if (write(ready, "1", 1) != 1)
		_exit(1);
	close(ready);
	serve(fd);
}

/* A client: m transactions to the context manager, each freeing the previous reply. */
static void run_client(int id, int cpu, int m, int ready, int start)
{
	struct binder_transaction_data tr = { .target.handle = 0, .code = PING };
	binder_uintptr_t to_free = 0;
	struct wbuf w = { .len = 0 };
	__u8 r[512];
	__u64 data, got;
	size_t len, off;
	const void *p;
	bool replied;
	__u32 cmd;
	char c;
	int fd, i, ret;

	if (cpu >= 0) {
		pin(cpu);
		if (sched_getcpu() != cpu)
			child_error(&sh->client_error, "client %d runs on CPU %d, not %d",
				    id, sched_getcpu(), cpu);
	}
	fd = open_binder(0);
	if (fd < 0) {
		child_error(&sh->client_error, "client %d: open: %s", id, strerror(errno));
		_exit(1);
	}
	/* All clients start together: the parent closes the start pipe. */
	if (write(ready, "1", 1) != 1 || read(start, &c, 1) != 0)
		_exit(1);
	for (i = 0; i < m; i++) {
		if (to_free)
			put(&w, BC_FREE_BUFFER, &to_free, sizeof(to_free));
		data = (__u64)id << 32 | i;
		tr.data_size = sizeof(data);
		tr.data.ptr.buffer = (uintptr_t)&data;
		put(&w, BC_TRANSACTION, &tr, sizeof(tr));
		replied = false;
		while (!replied) {
			ret = write_read(fd, &w, r, sizeof(r), &len, sh->client.bc);
			if (ret) {
				child_error(&sh->client_error, "client %d: BINDER_WRITE_READ: %s",
					    id, strerror(-ret));
				_exit(1);
			}
			off = 0;
			while (next_return(r, len, &off, &cmd, &p)) {
				struct binder_transaction_data rep;

				count(sh->client.br, cmd);
				if (cmd == BR_NOOP || cmd == BR_TRANSACTION_COMPLETE)
					continue;
				if (cmd != BR_REPLY) {
					child_error(&sh->client_error, "client %d: got %s",
						    id, br_name(cmd));
					_exit(1);
				}
				memcpy(&rep, p, sizeof(rep));
				memcpy(&got, (void *)(uintptr_t)rep.data.ptr.buffer, sizeof(got));
				if (rep.data_size != sizeof(got) || got != data) {
					child_error(&sh->client_error, "client %d: wrong reply",
						    id);
					_exit(1);
				}
				to_free = rep.data.ptr.buffer;
				replied = true;
			}
		}
	}
	put(&w, BC_FREE_BUFFER, &to_free, sizeof(to_free));
	if (write_read(fd, &w, r, 0, &len, sh->client.bc)) {
		child_error(&sh->client_error, "client %d: BC_FREE_BUFFER failed", id);
		_exit(1);
	}
	_exit(0);
}

/* The online CPUs (those this process may run on); returns their number. */
static int online_cpus(int *cpus)
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < MAX_CLIENTS; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	return n;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Runs a server with nclients threads and nclients clients of m transactions each
 * (pinned to cpus[i % ncpus], or not if ncpus is 0); waits for all of them, the server
 * last. Returns the nanoseconds from the start to the last client's exit, or -1.
 */
static long long run(int nclients, int m, const int *cpus, int ncpus)
{
	struct timespec t0, t1;
	int ready[2], start[2], i, st, bad = 0;
	char c;

	memset(&sh->client, 0, sizeof(sh->client));
	memset(&sh->server, 0, sizeof(sh->server));
	sh->served = 0;
	sh->pending = 0;
	sh->started = 0;
	sh->expected = (unsigned long)nclients * m;
	nchildren = 0;
	if (pipe(ready))
		return -1;
	children[nchildren] = fork();
	if (children[nchildren] == 0) {
		close(ready[0]);
		run_server(nclients, ready[1]);
	}
	nchildren++;
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || pipe(start)) {
		close(ready[0]);
		wait_child(children[0]);
		return -1;
	}
	close(ready[0]);
	if (pipe(ready))
		return -1;
	for (i = 0; i < nclients; i++) {
		children[nchildren] = fork();
		if (children[nchildren] == 0) {
			close(start[1]);
			close(ready[0]);
			run_client(i, ncpus ? cpus[i % ncpus] : -1, m, ready[1], start[0]);
		}
		nchildren++;
	}
	close(start[0]);
	close(ready[1]);
	/* Each client has opened the device and pinned itself (not timed). */
	for (i = 0; i < nclients; i++)
		if (read(ready[0], &c, 1) != 1)
			bad = 1;
	close(ready[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	close(start[1]);
	for (i = 1; i < nchildren; i++) {
		st = wait_child(children[i]);
		children[i] = 0;
		if (st)
			bad = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* The server's last counters may come after the clients have their replies. */
	if (bad)
		kill(children[0], SIGKILL);
	if (wait_child(children[0]))
		bad = 1;
	children[0] = 0;
	if (bad)
		return -1;
	return (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
}

/*
 * Malformed transactions. Each is sent on a non-blocking fd in one BINDER_WRITE_READ
 * with a read buffer; "expected" is what the unchanged Rust Binder of Linux 7.3 does.
 */
struct malformed {
	const char *name;
	__u32 handle;
	__u64 data_size;
	bool null_buffer;
	__u64 offsets_size;
	size_t truncate;	/* bytes of binder_transaction_data left out */
	/* expected */
	int ret;		/* ioctl: 0 or -errno */
	bool consumed;		/* the whole write consumed */
	__u32 returns[4];	/* returns read back, BR_NOOP left out, 0-terminated */
	__u32 ee_command;	/* BINDER_GET_EXTENDED_ERROR */
	__s32 ee_param;
	const char *changed[4];	/* counters up by one each (BR_NOOP not checked) */
};

static const struct malformed malformed[] = {
	{
		.name = "bad handle", .handle = 12345, .data_size = 8,
		.ret = 0, .consumed = true, .returns = { BR_FAILED_REPLY },
		.ee_command = BR_FAILED_REPLY, .ee_param = -ENOENT,
		.changed = { "BC_TRANSACTION", "BR_FAILED_REPLY" },
	},
	{
		.name = "data_size 16 with a NULL buffer", .data_size = 16,
		.null_buffer = true,
		.ret = 0, .consumed = true, .returns = { BR_FAILED_REPLY },
		.ee_command = BR_FAILED_REPLY, .ee_param = -EFAULT,
		.changed = { "BC_TRANSACTION", "BR_FAILED_REPLY" },
	},
	{
		.name = "offsets_size 4 (not a multiple of 8)", .data_size = 8,
		.offsets_size = 4,
		.ret = 0, .consumed = true, .returns = { BR_FAILED_REPLY },
		.ee_command = BR_FAILED_REPLY, .ee_param = -EINVAL,
		.changed = { "BC_TRANSACTION", "BR_FAILED_REPLY" },
	},
	{
		.name = "BC_TRANSACTION cut short", .data_size = 8, .truncate = 8,
		.ret = -EFAULT, .consumed = false, .returns = { 0 },
		.ee_command = BR_OK, .ee_param = 0,
		.changed = { "BC_TRANSACTION" },
	},
};

static void test_malformed(const struct malformed *t, int fd)
{
	struct binder_transaction_data tr = { 0 };
	struct binder_extended_error ee = { 0 };
	struct binder_write_read bwr = { 0 };
	struct stats *before, *after;
	const char *names[2 * MAX_STATS];
	char got[128] = "", want[128] = "";
	__u8 w[sizeof(__u32) + sizeof(tr)];
	__u32 cmd = BC_TRANSACTION, rets[8];
	__u8 r[256];
	__u64 data = 0;
	size_t off = 0;
	const void *p;
	int i, j, n, nrets = 0, ret;
	bool ok;

	before = malloc(sizeof(*before));
	after = malloc(sizeof(*after));
	if (!before || !after || read_stats(before)) {
		check(false, "%s: cannot read %s", t->name, STATS_FILE);
		free(before);
		free(after);
		return;
	}
	tr.target.handle = t->handle;
	tr.code = PING;
	tr.data_size = t->data_size;
	tr.offsets_size = t->offsets_size;
	tr.data.ptr.buffer = t->null_buffer ? 0 : (uintptr_t)&data;
	tr.data.ptr.offsets = 0;
	memcpy(w, &cmd, sizeof(cmd));
	memcpy(w + sizeof(cmd), &tr, sizeof(tr));
	bwr.write_size = sizeof(w) - t->truncate;
	bwr.write_buffer = (uintptr_t)w;
	bwr.read_size = sizeof(r);
	bwr.read_buffer = (uintptr_t)r;
	ret = ioctl(fd, BINDER_WRITE_READ, &bwr) < 0 ? -errno : 0;
	check(ret == t->ret, "%s: BINDER_WRITE_READ returns %d (%s), expected %d",
	      t->name, ret, ret ? strerror(-ret) : "ok", t->ret);
	check((bwr.write_consumed == bwr.write_size) == t->consumed,
	      "%s: write_consumed %llu of %llu, expected %s", t->name,
	      (unsigned long long)bwr.write_consumed,
	      (unsigned long long)bwr.write_size, t->consumed ? "all" : "not all");
	while (next_return(r, bwr.read_consumed, &off, &cmd, &p))
		if (cmd != BR_NOOP && nrets < (int)ARRAY_SIZE(rets))
			rets[nrets++] = cmd;
	/* Nothing else may be pending (the fd is non-blocking). */
	memset(&bwr, 0, sizeof(bwr));
	bwr.read_size = sizeof(r);
	bwr.read_buffer = (uintptr_t)r;
	if (ioctl(fd, BINDER_WRITE_READ, &bwr) == 0) {
		off = 0;
		while (next_return(r, bwr.read_consumed, &off, &cmd, &p))
			if (cmd != BR_NOOP && nrets < (int)ARRAY_SIZE(rets))
				rets[nrets++] = cmd;
	}
	for (i = 0; i < nrets; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), " %s", br_name(rets[i]));
	for (i = 0; t->returns[i]; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), " %s",
			 br_name(t->returns[i]));
	check(!strcmp(got, want), "%s: returns [%s ] (BR_NOOP left out), expected [%s ]",
	      t->name, got, want);
	ret = ioctl(fd, BINDER_GET_EXTENDED_ERROR, &ee) < 0 ? -errno : 0;
	check(!ret && ee.command == t->ee_command && ee.param == t->ee_param,
	      "%s: extended error %s %d, expected %s %d", t->name,
	      ret ? "(ioctl failed)" : br_name(ee.command), ret ? ret : ee.param,
	      br_name(t->ee_command), t->ee_param);
	if (read_stats(after)) {
		check(false, "%s: cannot read %s", t->name, STATS_FILE);
		free(before);
		free(after);
		return;
	}
	n = stat_names(before, after, names);
	ok = true;
	got[0] = 0;
	want[0] = 0;
	for (i = 0; i < n; i++) {
		long d = stat_of(after, names[i]) - stat_of(before, names[i]), e = 0;

		if (!strcmp(names[i], "BR_NOOP"))
			continue;
		for (j = 0; j < (int)ARRAY_SIZE(t->changed) && t->changed[j]; j++)
			if (!strcmp(t->changed[j], names[i]))
				e = 1;
		if (d)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), " %s%+ld",
				 names[i], d);
		if (d != e)
			ok = false;
	}
	for (j = 0; j < (int)ARRAY_SIZE(t->changed) && t->changed[j]; j++) {
		snprintf(want + strlen(want), sizeof(want) - strlen(want), " %s+1",
			 t->changed[j]);
		if (stat_of(after, t->changed[j]) - stat_of(before, t->changed[j]) != 1)
			ok = false;
	}
	check(ok, "%s: counters changed [%s ] (BR_NOOP not checked), expected [%s ]",
	      t->name, got, want);
	free(before);
	free(after);
}

/* The counters that must equal what the program sent or received. */
static void check_counts(const struct stats *before, const struct stats *after,
			 int nclients, int m, int nthreads)
{
	static const struct {
		const char *name;
		int per_txn;	/* per transaction, from the protocol */
	} exact[] = {
		{ "BC_TRANSACTION", 1 },	/* clients */
		{ "BC_REPLY", 1 },		/* server */
		{ "BR_TRANSACTION", 1 },	/* server */
		{ "BR_REPLY", 1 },		/* clients */
		{ "BR_TRANSACTION_COMPLETE", 2 },	/* both */
		{ "BC_FREE_BUFFER", 2 },	/* both */
	};
	const char *names[2 * MAX_STATS];
	unsigned long total = (unsigned long)nclients * m;
	unsigned int i;
	int n, k;

	for (i = 0; i < ARRAY_SIZE(exact); i++) {
		const char *name = exact[i].name;
		long d = stat_of(after, name) - stat_of(before, name);
		long c = own_count(&sh->client, name), s = own_count(&sh->server, name);

		check(d == c + s && d == (long)(exact[i].per_txn * total),
		      "%s: +%ld, clients %ld + server %ld, expected %lu (%d clients x %d x %d)",
		      name, d, c, s, exact[i].per_txn * total, nclients, m, exact[i].per_txn);
	}
	k = stat_of(after, "BC_ENTER_LOOPER") - stat_of(before, "BC_ENTER_LOOPER");
	check(k == own_count(&sh->server, "BC_ENTER_LOOPER") && k == nthreads,
	      "BC_ENTER_LOOPER: +%d, server threads %d", k, nthreads);
	for (i = 0; i < 2; i++) {
		const char *name = i ? "BR_DEAD_REPLY" : "BR_FAILED_REPLY";
		long d = stat_of(after, name) - stat_of(before, name);

		check(d == 0, "%s: +%ld, expected +0", name, d);
	}
	/* Any other counter that moved must be one the program counted (BR_NOOP aside). */
	n = stat_names(before, after, names);
	for (k = 0; k < n; k++) {
		long d = stat_of(after, names[k]) - stat_of(before, names[k]);
		long c = own_count(&sh->client, names[k]), s = own_count(&sh->server, names[k]);

		if (!d || !strcmp(names[k], "BR_NOOP"))
			continue;
		for (i = 0; i < ARRAY_SIZE(exact); i++)
			if (!strcmp(names[k], exact[i].name))
				break;
		if (i < ARRAY_SIZE(exact) || !strcmp(names[k], "BC_ENTER_LOOPER"))
			continue;
		check(c >= 0 && d == c + s, "%s: +%ld, clients %ld + server %ld",
		      names[k], d, c, s);
	}
	printf("# BR_NOOP: +%ld (not checked; the program read %ld)\n",
	       (long)(stat_of(after, "BR_NOOP") - stat_of(before, "BR_NOOP")),
	       own_count(&sh->client, "BR_NOOP") + own_count(&sh->server, "BR_NOOP"));
}

static int run_tests(int m)
{
	struct stats *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	int cpus[MAX_CLIENTS], ncpus, ready[2], fd, ret;
	struct timespec t0, t1;
	unsigned int i;
	long long ns;
	char c;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	check(armed, "alarm(%d) armed: a hung transaction ends the test", TIMEOUT);
	ret = mount_binderfs();
	check(!ret, "binderfs mounted on %s with stats=global: %s", BINDERFS,
	      ret ? strerror(-ret) : "ok");
	if (ret)
		finish();
	ret = add_device();
	check(!ret, "device %s added through binder-control: %s", device,
	      ret ? strerror(-ret) : "ok");
	if (ret)
		finish();
	ncpus = online_cpus(cpus);
	check(ncpus > 0, "%d online CPUs", ncpus);
	if (ncpus <= 0 || !before || !after)
		finish();

	/* Malformed transactions, against a context manager that is there. */
	sh->expected = ~0UL;
	if (pipe(ready))
		finish();
	children[0] = fork();
	if (children[0] == 0) {
		close(ready[0]);
		run_server(1, ready[1]);
	}
	nchildren = 1;
	close(ready[1]);
	check(read(ready[0], &c, 1) == 1, "server is the context manager%s%s",
	      sh->msg[0] ? ": " : "", sh->msg);
	close(ready[0]);
	fd = open_binder(O_NONBLOCK);
	check(fd >= 0, "open %s: %s", device, fd < 0 ? strerror(errno) : "ok");
	if (fd < 0) {
		kill_children();
		finish();
	}
	for (i = 0; i < ARRAY_SIZE(malformed); i++)
		test_malformed(&malformed[i], fd);
	close(fd);
	kill(children[0], SIGKILL);
	wait_child(children[0]);
	children[0] = 0;
	/* The first server's context manager goes with its file: a new device for the rest. */
	ret = add_device();
	check(!ret, "device %s added through binder-control: %s", device,
	      ret ? strerror(-ret) : "ok");

	/* One pinned client per online CPU, m transactions each. */
	if (read_stats(before))
		check(false, "read %s", STATS_FILE);
	ns = run(ncpus, m, cpus, ncpus);
	check(ns >= 0 && !sh->server_error && !sh->client_error,
	      "%d clients (one per online CPU, pinned) x %d transactions with replies%s%s",
	      ncpus, m, sh->msg[0] ? ": " : "", sh->msg);
	if (read_stats(after))
		check(false, "read %s", STATS_FILE);
	else if (ns >= 0)
		check_counts(before, after, ncpus, m, ncpus);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# %d clients x %d transactions in %.3f s; whole test %.3f s\n", ncpus, m,
	       ns / 1e9, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(before);
	free(after);
	finish();
	return 0;
}

static int run_bench(const char *clients, int m)
{
	int cpus[MAX_CLIENTS], ncpus, nclients, ret;
	long long ns;

	ncpus = online_cpus(cpus);
	nclients = strcmp(clients, "cpus") ? atoi(clients) : ncpus;
	if (nclients < 1 || nclients > MAX_CLIENTS || m < 1 || ncpus < 1) {
		fprintf(stderr, "usage: binder_stats bench N_CLIENTS|cpus M\n");
		return 2;
	}
	ret = mount_binderfs();
	if (!ret)
		ret = add_device();
	if (ret) {
		printf("binder_bench: error: binderfs: %s\n", strerror(-ret));
		return 1;
	}
	ns = run(nclients, m, cpus, ncpus);
	if (ns <= 0 || sh->server_error || sh->client_error) {
		printf("binder_bench: error: %s\n", sh->msg[0] ? sh->msg : "run failed");
		return 1;
	}
	printf("binder_bench: clients=%d cpus=%d transactions=%lu elapsed_ns=%lld tps=%.1f\n",
	       nclients, ncpus, (unsigned long)nclients * m, ns,
	       (double)nclients * m * 1e9 / ns);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (argc > 1)
		mode = argv[1];
	signal(SIGALRM, on_alarm);
	alarm(TIMEOUT);
	/* Without CONFIG_POSIX_TIMERS alarm() does nothing: say so. */
	armed = alarm(TIMEOUT) > 0;
	if (!strcmp(mode, "test"))
		return run_tests(argc > 2 ? atoi(argv[2]) : TEST_M);
	if (!armed)
		fprintf(stderr, "binder_bench: warning: alarm() does not work, no timeout\n");
	if (!strcmp(mode, "bench") && argc == 4)
		return run_bench(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: binder_stats [test [M]] | bench N_CLIENTS|cpus M\n");
	return 2;
}
