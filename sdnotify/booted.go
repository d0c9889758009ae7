package sdnotify

import (
	"errors"
	"io/fs"
	"os"
)

// runtimeUnitDir exists exactly when systemd is the init system: systemd
// creates it very early at boot, before starting any unit.
const runtimeUnitDir = "/run/systemd/system"

// Booted reports whether the system was booted with systemd as its init
// system, as sd_booted(3) does. It does not tell whether this process is a
// systemd service: check for ErrNoSocket, or activation's descriptors, for
// that.
func Booted() (bool, error) {
	fi, err := os.Lstat(runtimeUnitDir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}
