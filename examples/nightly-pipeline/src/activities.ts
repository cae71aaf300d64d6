/** The pipeline's own activities (stand-ins for an ETL step and a notification). */

/** A line the pipeline reports at its end. */
export interface PipelineReport {
  readonly day: string;
  readonly outcome: string;
  readonly jobs: number;
  readonly message?: string;
}

/** The pipeline's activities; `reports` receives what `report` was given. */
export function createPipelineActivities(reports: PipelineReport[] = []) {
  return {
    /** Loads one day of data; returns the rows loaded. */
    loadData(day: string): Promise<number> {
      return Promise.resolve(1000 + Number(day.slice(8, 10)));
    },
    /** Reports the pipeline's outcome (here: keeps it, and logs it). */
    report(line: PipelineReport): Promise<void> {
      reports.push(line);
      console.log(`pipeline report: ${JSON.stringify(line)}`);
      return Promise.resolve();
    },
  };
}

/** The activities' types, for `proxyActivities` in workflow code. */
export type PipelineActivities = ReturnType<typeof createPipelineActivities>;
