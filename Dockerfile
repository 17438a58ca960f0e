# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY sql ./sql
# The web page: static files, served by the same HTTP server as /metrics and the API.
COPY web ./web
USER node
EXPOSE 6432 9187
ENTRYPOINT ["node", "/app/bin/pggit.js"]
# HTTP on all interfaces inside the container (the page, the API, /metrics): publish it with -p.
CMD ["proxy", "--listen", "0.0.0.0:6432", "--http", "0.0.0.0:9187"]
