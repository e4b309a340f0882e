/** A drill run as the summary needs it (the drill record's fields; shared/arm maps the documents). */
export interface ComplianceDrillRun {
  planId: string;
  planName: string;
  name: string;
  dueTime: string;
  endTime?: string;
  result?: string;
}

/** An RPO event of an item: `level` after it (`Normal` = within the thresholds). */
export interface ComplianceRpoEvent {
  itemId: string;
  time: string;
  level: string;
}

export interface ComplianceSummary {
  windowStart: string;
  windowEnd: string;
  windowDays: number;
  plans: { planId: string; planName: string; lastPassedDrill?: { run: string; time: string }; drillsPassed: number; drillsFailed: number; drillsSkippedOrMissed: number }[];
  items: { itemId: string; itemName: string; measuredFrom: string; secondsOutOfThreshold: number; percentWithinThreshold: number; withinNow: boolean }[];
}

const t = (s: string) => Date.parse(s);

/**
 * The vault's compliance over `[now − days, now]` (pure). Plans: the newest passed drill (ever,
 * among the runs kept) and the drills passed/failed in the window, by due time. Items: the share
 * of the window (from the item's protection, if later) its RPO stayed within the warning
 * threshold; out of threshold = from an `RpoThresholdCrossed` to the `RpoRecovered` back to
 * `Normal`. The level at the window's start is that of the item's newest earlier event, else within.
 */
export function buildComplianceSummary(input: {
  now: Date;
  days: number;
  plans: { planId: string; planName: string }[];
  items: { itemId: string; itemName: string; protectedSince: string }[];
  runs: ComplianceDrillRun[];
  rpoEvents: ComplianceRpoEvent[];
}): ComplianceSummary {
  const end = input.now.getTime();
  const start = end - input.days * 86_400_000;
  const plans = input.plans.map((p) => {
    const mine = input.runs.filter((r) => r.planId.toLowerCase() === p.planId.toLowerCase());
    const passed = mine.filter((r) => r.result === 'Passed').sort((a, b) => t(a.endTime ?? a.dueTime) - t(b.endTime ?? b.dueTime)).pop();
    const inWindow = mine.filter((r) => t(r.dueTime) >= start && t(r.dueTime) <= end);
    return {
      ...p,
      ...(passed ? { lastPassedDrill: { run: passed.name, time: passed.endTime ?? passed.dueTime } } : {}),
      drillsPassed: inWindow.filter((r) => r.result === 'Passed').length,
      drillsFailed: inWindow.filter((r) => r.result === 'Failed').length,
      drillsSkippedOrMissed: inWindow.filter((r) => r.result === 'Skipped' || r.result === 'Missed').length,
    };
  });
  const items = input.items.map((item) => {
    const from = Math.max(start, t(item.protectedSince) || start);
    const events = input.rpoEvents.filter((e) => e.itemId.toLowerCase() === item.itemId.toLowerCase()).sort((a, b) => t(a.time) - t(b.time));
    const before = events.filter((e) => t(e.time) <= from).pop();
    let out = before !== undefined && before.level !== 'Normal';
    let since = from;
    let outSeconds = 0;
    for (const e of events.filter((x) => t(x.time) > from && t(x.time) <= end)) {
      const nowOut = e.level !== 'Normal';
      if (out && !nowOut) outSeconds += (t(e.time) - since) / 1000;
      if (!out && nowOut) since = t(e.time);
      out = nowOut;
    }
    if (out) outSeconds += (end - since) / 1000;
    const total = Math.max(1, (end - from) / 1000);
    return {
      itemId: item.itemId, itemName: item.itemName, measuredFrom: new Date(from).toISOString(),
      secondsOutOfThreshold: Math.round(outSeconds), percentWithinThreshold: Math.round(1000 * (100 - (100 * outSeconds) / total)) / 1000, withinNow: !out,
    };
  });
  return { windowStart: new Date(start).toISOString(), windowEnd: input.now.toISOString(), windowDays: input.days, plans, items };
}
