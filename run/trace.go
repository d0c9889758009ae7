package run

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// tracee is a child process held stopped before the first instruction of
// its program. It is started traced (PTRACE_TRACEME), so the kernel stops it
// right after its execve succeeds; release lets it run or kills it.
//
// ptrace requests are only accepted from the tracer, which is the thread
// that forked the child, not the whole process. So one goroutine, locked to
// its thread, starts the child and later releases it.
//
// NB: a child that is traced already cannot be traced again: when the
// caller runs under a debugger or strace -f that follows its forks,
// PTRACE_TRACEME fails and so does the start (EPERM).
type tracee struct {
	cmd     *exec.Cmd
	resume  chan bool  // true lets the program run, false kills it
	release chan error // the outcome of the resume
}

// startTraced starts cmd and returns once its program is loaded but stopped.
// cmd must have no copying goroutines of its own (all its streams are files
// or nil), as the caller waits for it with cmd.Wait.
func startTraced(cmd *exec.Cmd) (*tracee, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Ptrace = true

	t := &tracee{cmd: cmd, resume: make(chan bool), release: make(chan error, 1)}
	started := make(chan error, 1)
	go t.trace(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return t, nil
}

// pid returns the child's process ID.
func (t *tracee) pid() int {
	return t.cmd.Process.Pid
}

// run detaches from the child, which then runs its program. On error the
// child is killed.
func (t *tracee) run() error {
	t.resume <- true
	return <-t.release
}

// kill kills the stopped child; the caller must still reap it (cmd.Wait).
func (t *tracee) kill() {
	t.resume <- false
	<-t.release
}

// trace is the tracer goroutine.
func (t *tracee) trace(started chan<- error) {
	runtime.LockOSThread()
	if err := t.start(); err != nil {
		runtime.UnlockOSThread()
		started <- err
		return
	}
	started <- nil

	if !<-t.resume {
		_ = t.cmd.Process.Kill()
		runtime.UnlockOSThread()
		t.release <- nil
		return
	}

	err := unix.PtraceDetach(t.pid())
	if err != nil {
		// Still traced, perhaps: kill the child, and let the thread end
		// with this goroutine (it stays locked), which detaches for good.
		_ = t.cmd.Process.Kill()
		t.release <- os.NewSyscallError("ptrace detach", err)
		return
	}
	runtime.UnlockOSThread()
	t.release <- nil
}

// start forks and execs the child and waits for the stop after its execve.
func (t *tracee) start() error {
	if err := t.cmd.Start(); err != nil {
		return err
	}
	if err := awaitExecStop(t.pid()); err != nil {
		_ = t.cmd.Process.Kill()
		_ = t.cmd.Wait()
		return err
	}
	return nil
}

// cldTrapped is the si_code of a traced child's stop (CLD_TRAPPED in
// <signal.h>), which golang.org/x/sys/unix does not define.
const cldTrapped = 4

// errEndedEarly means that the child ended before it was released.
var errEndedEarly = errors.New("process ended before it could be placed")

// awaitExecStop waits until the traced child stops with the SIGTRAP that
// follows its execve. A signal that reached the child earlier stops it
// first: it is delivered, and the wait goes on. WNOWAIT leaves an exited
// child unreaped, for cmd.Wait to reap.
func awaitExecStop(pid int) error {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WSTOPPED|unix.WNOWAIT, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("waitid", err)
		}

		if info.Code != cldTrapped {
			return errEndedEarly
		}
		sig := childStatus(&info)
		if sig == int32(unix.SIGTRAP) {
			return nil
		}
		if err := unix.PtraceCont(pid, int(sig)); err != nil {
			return fmt.Errorf("pass signal %d on to the process: %w",
				sig, os.NewSyscallError("ptrace", err))
		}
	}
}

// childStatus returns si_status from the siginfo waitid filled for a child:
// the signal of a stop. In siginfo_t, three ints come first, then the
// union, aligned for pointers; in its child member, si_status follows the
// PID and the UID.
func childStatus(info *unix.Siginfo) int32 {
	align := unsafe.Alignof(uintptr(0))
	union := (3*unsafe.Sizeof(int32(0)) + align - 1) &^ (align - 1)
	return *(*int32)(unsafe.Add(unsafe.Pointer(info), union+8))
}
