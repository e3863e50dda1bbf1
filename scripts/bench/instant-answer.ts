/** The answer of the bench's instant model: the one MLServer gives for an iris row (V2 REST). */
export const INSTANT_ANSWER = Buffer.from(
  JSON.stringify({
    model_name: 'iris',
    id: '7d5ed57f-1ef1-49f9-9363-4f22470e11ef',
    parameters: {},
    outputs: [
      { name: 'predict', shape: [1, 1], datatype: 'INT64', parameters: { content_type: 'np' }, data: [0] },
    ],
  }),
);
