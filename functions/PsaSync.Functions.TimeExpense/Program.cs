using Microsoft.Extensions.Hosting;
using PsaSync.Functions.Shared;

FunctionAppHost.Build(args).Run();
