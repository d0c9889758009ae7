package run_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/property"
	"github.com/gostemd/gostemd/run"
)

// parseAll parses every assignment of a case.
func parseAll(tb testing.TB, assign []string) []run.Property {
	tb.Helper()

	var props []run.Property
	for _, a := range assign {
		p, err := run.ParseProperty(a)
		require.NoError(tb, err)
		props = append(props, p)
	}
	return props
}

func TestParseProperty(t *testing.T) {
	for _, tt := range propertyCases {
		t.Run(strings.Join(tt.assign, ","), func(t *testing.T) {
			props := parseAll(t, tt.assign)

			got, err := run.BusProperties(props...)
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				assert.Equal(t, w.name, got[i].Name)
				assert.Equal(t, w.sig, got[i].Value.Signature().String(), w.name)
				assert.Equal(t, w.val, got[i].Value.Value(), w.name)
			}
		})
	}
}

func TestParsePropertyString(t *testing.T) {
	for _, tt := range propertyCases {
		for _, a := range tt.assign {
			p, err := run.ParseProperty(a)
			require.NoError(t, err)
			assert.Equal(t, a, p.String())
			assert.Equal(t, a[:strings.Index(a, "=")], p.Name())
			assert.NoError(t, p.Err())
		}
	}
}

// TestEveryPropertyCovered makes sure that the cases, and so the
// comparison with systemd-run, cover every name ParseProperty knows.
func TestEveryPropertyCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range propertyCases {
		for _, a := range c.assign {
			covered[a[:strings.Index(a, "=")]] = true
		}
	}
	for _, name := range property.Names() {
		assert.True(t, covered[name], "no case for %s", name)
	}
}

func TestParsePropertyErrors(t *testing.T) {
	for _, tt := range badCases {
		t.Run(tt.assign, func(t *testing.T) {
			p, err := run.ParseProperty(tt.assign)
			require.Error(t, err)
			assert.Equal(t, run.Property{}, p)
			assert.Equal(t, tt.msg, err.Error())

			var perr *run.PropertyError
			require.ErrorAs(t, err, &perr)
			assert.Equal(t, tt.unknown, errors.Is(err, run.ErrUnknownProperty))
			assert.Equal(t, !tt.unknown, errors.Is(err, run.ErrInvalidValue))
		})
	}
}

func TestPropertyErrorFields(t *testing.T) {
	_, err := run.ParseProperty("MemoryMax=10Q")

	var perr *run.PropertyError
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, "MemoryMax", perr.Name)
	assert.Equal(t, "10Q", perr.Value)
	assert.Equal(t, `invalid size "10Q"`, perr.Reason)
}

func TestZeroProperty(t *testing.T) {
	var p run.Property
	assert.Equal(t, "", p.String())
	assert.NoError(t, p.Err())

	got, err := run.BusProperties(p)
	require.NoError(t, err)
	assert.Empty(t, got)
}
