// Package manager controls a systemd service manager over D-Bus: the
// system manager or a user's, its units, unit files and jobs.
//
// Connect returns a Manager, which must be closed. Units are reached by name
// (LoadUnit, Unit), by process (UnitByPID) or by run (UnitByInvocationID) as
// *unit.Unit handles, which read typed properties and start, stop or kill
// the unit. Show reads everything a unit's typed properties tell, as
// systemctl show does, in one round trip. Starting, stopping and the other job methods return a
// *unit.Job whose Wait reports how the job ended:
//
//	m, err := manager.Connect(ctx, nil)
//	...
//	defer m.Close()
//
//	job, err := m.StartUnit(ctx, "web.service", unit.ModeReplace)
//	...
//	if err := job.Wait(ctx); errors.Is(err, unit.ErrJobFailed) {
//		// err says why, such as "(unit result: exit-code)"
//	}
//
// # Jobs
//
// Job results come from systemd's JobRemoved signal, never from polling.
// One subscription per Manager serves every job: it is set up before the
// method that creates a job is called, so no result is missed however fast
// the job ends, and a result is kept until Wait asks for it. Waiting for one
// job never delays another. After a reconnect or a daemon-reexec, when
// signals may have been lost, jobs that no longer exist are settled from
// their unit's state.
//
// # Errors
//
// Errors systemd reports by name match gostemd's sentinels with errors.Is
// (gostemd.ErrNoSuchUnit, gostemd.ErrUnitMasked, ...), while errors.As still
// reaches the dbus.Error. Job results other than done are *unit.JobError
// values, matching unit.ErrJobFailed, unit.ErrJobTimeout and the others.
//
// # Privileges
//
// Reading works for everyone. Changing the system manager's units needs
// root or a polkit grant; without one, calls fail with
// gostemd.ErrAccessDenied, or gostemd.ErrInteractiveAuthorizationRequired
// unless Options.InteractiveAuthorization lets polkit ask. The private
// socket (Options.Private) needs root. A user's manager obeys that user.
//
// # Compatibility
//
// Tested against systemd 252. Properties newer than the running systemd are
// left zero and listed in the Absent field of the property structs.
package manager
