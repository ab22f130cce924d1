import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hasEnvironmentEntry, isSameLiveProcess, liveGroupMembers, readProcStat, readStartTime } from './proc-fs.ts'

describe('proc-fs', () => {
  it('reads state, group and start time of a process, and knows when it is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, REHEARSE_PROBE: 'yes' },
    })
    try {
      const pid = child.pid!
      const stat = readProcStat(pid)!
      expect(stat).toMatchObject({ pid, ppid: process.pid, pgrp: pid })
      expect(stat.startTime).toMatch(/^\d+$/)
      expect(isSameLiveProcess(pid, stat.startTime)).toBe(true)
      expect(isSameLiveProcess(pid, String(Number(stat.startTime) + 1))).toBe(false)
      expect(liveGroupMembers(pid).map((m) => m.pid)).toEqual([pid])
      expect(hasEnvironmentEntry(pid, 'REHEARSE_PROBE=yes')).toBe(true)
      expect(hasEnvironmentEntry(pid, 'REHEARSE_PROBE=ye')).toBe(false)
      expect(hasEnvironmentEntry(pid, 'PROBE=yes')).toBe(false)
    } finally {
      child.kill('SIGKILL')
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
    }
    expect(readStartTime(child.pid!)).toBeUndefined()
  })

  it('parses a command name with spaces and parentheses', async () => {
    // Node sets the kernel's name of the process from process.title.
    const child = spawn(process.execPath, ['-e', "process.title = 'a) b (c'; setInterval(() => {}, 1000)"], {
      stdio: 'ignore',
    })
    try {
      for (let i = 0; i < 200 && !readFileSync(`/proc/${child.pid}/stat`, 'latin1').includes('(a) b (c)'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(readFileSync(`/proc/${child.pid}/stat`, 'latin1')).toContain('(a) b (c)')
      const stat = readProcStat(child.pid!)
      expect(stat).toMatchObject({ pid: child.pid, ppid: process.pid, pgrp: readProcStat(process.pid)?.pgrp })
      expect(stat?.startTime).toBe(readStartTime(child.pid!))
    } finally {
      child.kill('SIGKILL')
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit')
    }
  })
})
