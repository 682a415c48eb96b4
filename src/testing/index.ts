// Placeholder until the simulator lands (issue 4).
export {};
