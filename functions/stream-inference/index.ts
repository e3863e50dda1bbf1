import type { MSKEvent } from 'aws-lambda';

export const handler = async (event: MSKEvent): Promise<{ batchItemFailures: never[] }> => {
  void event;
  return { batchItemFailures: [] };
};
