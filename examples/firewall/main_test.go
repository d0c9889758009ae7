package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gostemd/gostemd/internal/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

func TestFirewallLetsOneAddressThrough(t *testing.T) {
	testbed.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out))
	text := out.String()
	t.Log(text)

	const ok = `client: connected; listener got: "hello"\n`
	assert.Regexp(t, `without a firewall:\n`+
		`  127\.0\.0\.1:\d+ +`+ok+
		`  127\.0\.0\.2:\d+ +`+ok, text)
	assert.Regexp(t, `with IPAddressDeny=any and IPAddressAllow=127\.0\.0\.1/32:\n`+
		`  127\.0\.0\.1:\d+ +`+ok+
		`  127\.0\.0\.2:\d+ +client: blocked, no connection within 5s \(timeout: exit status 124\); `+
		`listener got: no connection\n`, text)
}
