package activation

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// A kind describes what a descriptor refers to, as far as choosing a net type
// for it goes.
type kind struct {
	fd        int
	socket    bool
	sotype    int  // SOCK_STREAM, SOCK_DGRAM, ...; when socket
	listening bool // SO_ACCEPTCONN; when socket
	mode      uint32
}

// kindOf inspects f without changing it.
func kindOf(f *os.File) (kind, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return kind{}, err
	}

	var k kind
	var inspectErr error
	err = rc.Control(func(fd uintptr) {
		k, inspectErr = inspect(int(fd))
	})
	if err != nil {
		return kind{}, err
	}
	return k, inspectErr
}

// isListening reports whether f is a socket that accepts connections, which
// only a listening stream or seqpacket socket does. Any error says no.
func isListening(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}

	accepting, optErr := 0, error(nil)
	err = rc.Control(func(fd uintptr) {
		accepting, optErr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	})
	return err == nil && optErr == nil && accepting != 0
}

func inspect(fd int) (kind, error) {
	k := kind{fd: fd}

	sotype, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err == unix.ENOTSOCK {
		return inspectFile(k)
	}
	if err != nil {
		return k, os.NewSyscallError("getsockopt", err)
	}
	k.socket, k.sotype = true, sotype

	accepting, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return k, os.NewSyscallError("getsockopt", err)
	}
	k.listening = accepting != 0
	return k, nil
}

func inspectFile(k kind) (kind, error) {
	var st unix.Stat_t
	if err := unix.Fstat(k.fd, &st); err != nil {
		return k, os.NewSyscallError("fstat", err)
	}
	k.mode = st.Mode
	return k, nil
}

func (k kind) isListener() bool {
	return k.isStream() && k.listening
}

func (k kind) isConn() bool {
	return k.isStream() && !k.listening
}

// isStream reports a connection-oriented socket, the kind that listens.
func (k kind) isStream() bool {
	return k.socket && (k.sotype == unix.SOCK_STREAM || k.sotype == unix.SOCK_SEQPACKET)
}

func (k kind) isPacketConn() bool {
	return k.socket && (k.sotype == unix.SOCK_DGRAM || k.sotype == unix.SOCK_RAW)
}

// String describes the descriptor for an error message, such as "a datagram
// socket" or "a regular file".
func (k kind) String() string {
	if !k.socket {
		return fileKind(k.mode)
	}

	var s string
	switch k.sotype {
	case unix.SOCK_STREAM:
		s = "stream socket"
	case unix.SOCK_DGRAM:
		return "a datagram socket"
	case unix.SOCK_SEQPACKET:
		s = "sequential packet socket"
	case unix.SOCK_RAW:
		return "a raw socket"
	default:
		return "a socket of type " + strconv.Itoa(k.sotype)
	}

	if k.listening {
		return "a listening " + s
	}
	return "a connected " + s
}

func fileKind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFIFO:
		return "a pipe"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFBLK:
		return "a block device"
	}
	return "not a socket"
}
