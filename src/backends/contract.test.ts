import { OllamaBackend } from "./ollama.js";
import { OpenAIBackend } from "./openai.js";
import { runBackendContract } from "./test-helpers/backend-contract.js";

runBackendContract(
  "openai completions",
  (c) =>
    new OpenAIBackend({
      model: c.model,
      baseUrl: c.server.openaiBaseUrl,
      api: "completions",
      apiKey: c.apiKey,
      ...c.retry,
    }),
  { path: "/v1/completions", sendsKey: true },
);

runBackendContract(
  "openai chat",
  (c) =>
    new OpenAIBackend({
      model: c.model,
      baseUrl: c.server.openaiBaseUrl,
      api: "chat",
      apiKey: c.apiKey,
      ...c.retry,
    }),
  { path: "/v1/chat/completions", sendsKey: true },
);

runBackendContract(
  "openai completions on a llama.cpp server",
  (c) =>
    new OpenAIBackend({
      model: c.model,
      baseUrl: c.server.openaiBaseUrl,
      apiKey: c.apiKey,
      ...c.retry,
    }),
  { path: "/v1/completions", sendsKey: true, server: { completionsShape: "llamacpp" } },
);

runBackendContract(
  "ollama",
  (c) => new OllamaBackend({ model: c.model, baseUrl: c.server.url, apiKey: c.apiKey, ...c.retry }),
  { path: "/api/generate", sendsKey: true },
);
