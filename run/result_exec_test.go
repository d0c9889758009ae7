package run_test

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gostemd/gostemd/run"
	"github.com/gostemd/gostemd/unit"
)

func TestResult(t *testing.T) {
	for _, tt := range []struct {
		res     run.Result
		text    string
		success bool
		code    int
		sig     syscall.Signal
	}{
		{run.Result{UnitResult: "success", Code: unit.CodeExited}, "exit status 0", true, 0, 0},
		{run.Result{UnitResult: "exit-code", Code: unit.CodeExited, Status: 7},
			"exit status 7", false, 7, 0},
		{run.Result{UnitResult: "success", Code: unit.CodeExited, Status: 7},
			"exit status 7", true, 7, 0}, // SuccessExitStatus=7
		{run.Result{UnitResult: "success", Code: unit.CodeKilled, Status: 15},
			"signal: terminated", false, -1, syscall.SIGTERM},
		{run.Result{UnitResult: "signal", Code: unit.CodeKilled, Status: 9},
			"signal: killed", false, -1, syscall.SIGKILL},
		{run.Result{UnitResult: "oom-kill", Code: unit.CodeKilled, Status: 9},
			"signal: killed (unit result: oom-kill)", false, -1, syscall.SIGKILL},
		{run.Result{UnitResult: "core-dump", Code: unit.CodeDumped, Status: 6},
			"signal: aborted (core dumped)", false, -1, syscall.SIGABRT},
		{run.Result{UnitResult: "timeout", Code: unit.CodeExited},
			"exit status 0 (unit result: timeout)", false, 0, 0},
		{run.Result{UnitResult: "success"}, "not run", false, -1, 0},
	} {
		t.Run(tt.text, func(t *testing.T) {
			assert.Equal(t, tt.text, tt.res.String())
			assert.Equal(t, tt.success, tt.res.Success())
			assert.Equal(t, tt.code, tt.res.ExitCode())
			assert.Equal(t, tt.sig, tt.res.Signal())

			ee := &run.ExitError{Result: &tt.res}
			assert.Equal(t, tt.text, ee.Error())
		})
	}
}
