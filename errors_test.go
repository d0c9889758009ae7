package gostemd

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookupError(t *testing.T) {
	tests := []struct {
		name string
		want *Error
	}{
		{"org.freedesktop.systemd1.NoSuchUnit", ErrNoSuchUnit},
		{"org.freedesktop.systemd1.NoUnitForPID", ErrNoUnitForPID},
		{"org.freedesktop.systemd1.NoUnitForInvocationID", ErrNoUnitForInvocationID},
		{"org.freedesktop.systemd1.UnitExists", ErrUnitExists},
		{"org.freedesktop.systemd1.LoadFailed", ErrLoadFailed},
		{"org.freedesktop.systemd1.BadUnitSetting", ErrBadUnitSetting},
		{"org.freedesktop.systemd1.JobFailed", ErrJobFailed},
		{"org.freedesktop.systemd1.NoSuchJob", ErrNoSuchJob},
		{"org.freedesktop.systemd1.NotSubscribed", ErrNotSubscribed},
		{"org.freedesktop.systemd1.AlreadySubscribed", ErrAlreadySubscribed},
		{"org.freedesktop.systemd1.OnlyByDependency", ErrOnlyByDependency},
		{"org.freedesktop.systemd1.TransactionJobsConflicting", ErrTransactionJobsConflicting},
		{"org.freedesktop.systemd1.TransactionOrderIsCyclic", ErrTransactionOrderIsCyclic},
		{"org.freedesktop.systemd1.TransactionIsDestructive", ErrTransactionIsDestructive},
		{"org.freedesktop.systemd1.UnitMasked", ErrUnitMasked},
		{"org.freedesktop.systemd1.UnitGenerated", ErrUnitGenerated},
		{"org.freedesktop.systemd1.UnitLinked", ErrUnitLinked},
		{"org.freedesktop.systemd1.JobTypeNotApplicable", ErrJobTypeNotApplicable},
		{"org.freedesktop.systemd1.NoIsolation", ErrNoIsolation},
		{"org.freedesktop.systemd1.ShuttingDown", ErrShuttingDown},
		{"org.freedesktop.systemd1.ScopeNotRunning", ErrScopeNotRunning},
		{"org.freedesktop.systemd1.NoSuchDynamicUser", ErrNoSuchDynamicUser},
		{"org.freedesktop.systemd1.NotReferenced", ErrNotReferenced},
		{"org.freedesktop.systemd1.NoSuchProcess", ErrNoSuchProcess},
		{"org.freedesktop.systemd1.NothingToClean", ErrNothingToClean},
		{"org.freedesktop.systemd1.UnitBusy", ErrUnitBusy},
		{"org.freedesktop.systemd1.UnitInactive", ErrUnitInactive},
		{"org.freedesktop.systemd1.FreezeCancelled", ErrFreezeCancelled},
		{"org.freedesktop.systemd1.FrozenByParent", ErrFrozenByParent},
		{"org.freedesktop.systemd1.DiskFull", ErrDiskFull},
		{"org.freedesktop.DBus.Error.AccessDenied", ErrAccessDenied},
		{"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
			ErrInteractiveAuthorizationRequired},
		{"org.freedesktop.DBus.Error.UnknownProperty", ErrUnknownProperty},
		{"org.freedesktop.DBus.Error.PropertyReadOnly", ErrPropertyReadOnly},
		{"org.freedesktop.DBus.Error.InvalidArgs", ErrInvalidArgs},
		{"org.freedesktop.DBus.Error.UnknownMethod", ErrUnknownMethod},
		{"org.freedesktop.DBus.Error.UnknownObject", ErrUnknownObject},
		{"org.freedesktop.DBus.Error.UnknownInterface", ErrUnknownInterface},
		{"org.freedesktop.DBus.Error.NotSupported", ErrNotSupported},
		{"org.freedesktop.DBus.Error.ServiceUnknown", ErrServiceUnknown},
		{"org.freedesktop.DBus.Error.NameHasNoOwner", ErrNameHasNoOwner},
		{"org.freedesktop.DBus.Error.NoReply", ErrNoReply},
		{"org.freedesktop.DBus.Error.Timeout", ErrTimeout},
		{"org.freedesktop.DBus.Error.TimedOut", ErrTimedOut},
		{"org.freedesktop.DBus.Error.Disconnected", ErrDisconnected},
		{"org.freedesktop.DBus.Error.LimitsExceeded", ErrLimitsExceeded},
		{"org.freedesktop.systemd1.NoSuchThing", nil},
		{"org.freedesktop.DBus.Error.Failed", nil},
		{"NoSuchUnit", nil},
		{"", nil},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LookupError(tt.name)
			if tt.want == nil {
				assert.Nil(t, got)
				return
			}

			require.Same(t, tt.want, got)
			assert.Equal(t, tt.name, got.Name())
		})
	}
}

func TestEveryErrorHasAName(t *testing.T) {
	seen := make(map[string]string)
	for name, e := range errorsByName {
		require.Equal(t, name, e.Name())
		require.NotContains(t, seen, e.Error(), "two errors read %q", e.Error())
		seen[e.Error()] = name
	}
}

func TestErrorText(t *testing.T) {
	for name, e := range errorsByName {
		t.Run(name, func(t *testing.T) {
			text := e.Error()

			assert.NotEmpty(t, text)
			assert.Equal(t, strings.ToLower(text), text, "error text is lowercase")
			assert.NotContains(t, text, "failed to")
		})
	}
}

func TestErrorIsThroughWrapping(t *testing.T) {
	err := fmt.Errorf("get unit web.service: %w", ErrNoSuchUnit)

	assert.ErrorIs(t, err, ErrNoSuchUnit)
	assert.NotErrorIs(t, err, ErrLoadFailed)

	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "org.freedesktop.systemd1.NoSuchUnit", e.Name())
	assert.Equal(t, "get unit web.service: no such unit", err.Error())
}
