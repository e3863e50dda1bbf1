import { AUTO_COALESCE, type Coalesce as CoalesceSetting } from '../functions/stream-inference/contract.js';

/**
 * How the handler sends the records of one partition to the model (`COALESCE_MAX_RECORDS`): one
 * call per record, or several records packed into one call along the batch dimension, which most
 * model servers answer in little more time than one row. Packing needs `transport: 'rest'`. A pack
 * the model refuses is retried in halves down to the record at fault, so a bad record never fails
 * its neighbours.
 *
 * @example
 * Coalesce.perRecord();  // one call per record (the default)
 * Coalesce.records(64);  // at most 64 records per call
 * Coalesce.auto();       // learns the largest pack the model takes, starting at 16
 */
export class Coalesce {
  /** One model call per record. */
  public static perRecord(): Coalesce {
    return new Coalesce({ mode: 'fixed', maxRecords: 1 });
  }

  /**
   * At most `maxRecords` records of one partition per model call, 1–10000 (checked at synth).
   *
   * @param maxRecords - 1 sends each record alone
   */
  public static records(maxRecords: number): Coalesce {
    return new Coalesce({ mode: 'fixed', maxRecords });
  }

  /**
   * Packs start at 16 records and double while the model answers full packs, up to 10000. A pack
   * the model refuses with a 4xx (e.g. 413), or whose answer does not split back into its records,
   * while each of its records is answered in smaller packs, caps the size below it; each warm
   * container learns on its own. 5xx answers, timeouts and an unreachable model never lower it.
   */
  public static auto(): Coalesce {
    const { startRecords, maxRecords } = AUTO_COALESCE;
    return new Coalesce({ mode: 'auto', startRecords, maxRecords });
  }

  private constructor(
    /** What the handler reads from `COALESCE_MAX_RECORDS`. */
    public readonly setting: CoalesceSetting,
  ) {}

  /** The value of `COALESCE_MAX_RECORDS`. */
  public get variableValue(): string {
    return this.setting.mode === 'auto' ? AUTO_COALESCE.value : String(this.setting.maxRecords);
  }
}
