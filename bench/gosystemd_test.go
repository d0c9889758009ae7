package bench

import (
	"context"
	"fmt"

	gsd "github.com/coreos/go-systemd/v22/dbus"
)

// gsdRunner runs a transient service to its end with go-systemd the way its
// API allows it to be done correctly: Subscribe and a properties subscriber
// set up once, before any unit starts; then per run StartTransientUnit with a
// job channel, and a wait for both the job's result and the unit's
// PropertiesChanged that shows it inactive or failed with no job left.
//
// go-systemd passes on PropertiesChanged of the Unit interface only, and has
// no call to drop a reference (AddRef without UnrefUnit would keep every unit
// loaded), so the outcome it reads is the ActiveState (inactive or failed),
// not the service's Result.
type gsdRunner struct {
	conn    *gsd.Conn
	updates chan *gsd.PropertiesUpdate
	errs    chan error
}

func newGSDRunner(ctx context.Context) (*gsdRunner, error) {
	conn, err := gsd.NewSystemConnectionContext(ctx)
	if err != nil {
		return nil, err
	}
	if err := conn.Subscribe(); err != nil {
		conn.Close()
		return nil, err
	}
	r := &gsdRunner{conn: conn, updates: make(chan *gsd.PropertiesUpdate, 1024), errs: make(chan error, 16)}
	conn.SetPropertiesSubscriber(r.updates, r.errs)
	return r, nil
}

func (r *gsdRunner) Close() { r.conn.Close() }

// run starts argv as the service name and returns its final ActiveState.
func (r *gsdRunner) run(ctx context.Context, name string, argv []string) (string, error) {
	jobDone := make(chan string, 1)
	props := []gsd.Property{gsd.PropExecStart(argv, false)}
	if _, err := r.conn.StartTransientUnitContext(ctx, name, "fail", props, jobDone); err != nil {
		return "", fmt.Errorf("start %s: %w", name, err)
	}

	var (
		jobGone bool
		state   string
		jobID   uint32 = 1
	)
	for !jobGone || jobID != 0 || (state != "inactive" && state != "failed") {
		select {
		case res := <-jobDone:
			if res != "done" {
				return "", fmt.Errorf("start %s: job %s", name, res)
			}
			jobGone = true
		case u := <-r.updates:
			if u.UnitName != name {
				continue
			}
			if v, ok := u.Changed["ActiveState"].Value().(string); ok {
				state = v
			}
			if job, ok := u.Changed["Job"].Value().([]any); ok && len(job) == 2 {
				jobID, _ = job[0].(uint32)
			}
		case err := <-r.errs:
			return "", err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return state, nil
}
