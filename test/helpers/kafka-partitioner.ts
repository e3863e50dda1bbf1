/**
 * The default (Java-compatible murmur2) partitioner of kafkajs, remembering which partition it chose
 * for each message so that `produce` can report where every record landed.
 */
import { type ICustomPartitioner, type Message, Partitioners } from 'kafkajs';

/** Partition chosen for each message object handed to the producer. */
const assignedPartition = new WeakMap<object, number>();

/**
 * kafkajs' default partitioner, recording its choice for {@link chosenPartition}.
 *
 * @example
 * kafka.producer({ createPartitioner: recordingPartitioner });
 */
export const recordingPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  return (args) => {
    const chosen = partition(args);
    assignedPartition.set(args.message, chosen);
    return chosen;
  };
};

/**
 * The partition {@link recordingPartitioner} chose for this very message object, if it saw it.
 *
 * @example
 * const partition = message.partition ?? chosenPartition(message);
 */
export const chosenPartition = (message: Message): number | undefined => assignedPartition.get(message);
