/*
 * LD_PRELOAD shim for the benchmark's "Apache, flushed" reference: every regular file open for
 * writing is flushed with fdatasync before it is closed, so Apache answers a PUT only once the
 * bytes are on disk, as nasd does. Apache itself leaves them in the page cache; without this the
 * PUT rows compare a flushed write with an unflushed one. Built by run.sh, never shipped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int (*real_close)(int);

int close(int fd) {
  if (!real_close) real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
  int flags = fcntl(fd, F_GETFL);
  struct stat st;
  if (flags != -1 && (flags & O_ACCMODE) != O_RDONLY && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) fdatasync(fd);
  return real_close(fd);
}
