import { readFileSync } from 'node:fs';

/** CPU time spent since a reading, in microseconds: by the whole machine (every process: Node and PostgreSQL) and by this process. */
export interface CpuSpent {
  /** User, nice, system, irq and softirq time of every core (`/proc/stat`); NaN where there is no `/proc`. */
  readonly machineUs: number;
  /** Time the hypervisor gave to other guests while this one wanted a core (`steal`); NaN where there is no `/proc`. */
  readonly stealUs: number;
  /** User and system time of this Node process (`process.cpuUsage`). */
  readonly processUs: number;
}

const TICK_US = 10_000; // USER_HZ is 100 on Linux: /proc/stat counts hundredths of a second

function machineTicks(): { busy: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: user + nice + system + irq + softirq, steal };
  } catch {
    return { busy: Number.NaN, steal: Number.NaN };
  }
}

/**
 * Starts a CPU reading; the function it returns says what was spent since. Under a load that keeps every core
 * busy, throughput is the cores divided by the CPU time an operation takes, so CPU per operation compares two
 * sides with less of the noise that other guests of a shared host put into a throughput.
 */
export function startCpuMeter(): () => CpuSpent {
  const machine = machineTicks();
  const own = process.cpuUsage();
  return () => {
    const now = machineTicks();
    const used = process.cpuUsage(own);
    return { machineUs: (now.busy - machine.busy) * TICK_US, stealUs: (now.steal - machine.steal) * TICK_US, processUs: used.user + used.system };
  };
}
