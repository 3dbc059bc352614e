require_relative '../../../lib/community/app_handler'

# Certification of SLM-Copilot: the VM comes from metadata.yaml's template with its :params: as context.
describe 'Appliance Certification' do
    include_context('vm_handler')

    def wait_for(what, timeout)
        start = Time.now
        loop do
            return if yield
            raise "#{what} not reached within #{timeout} seconds" if Time.now - start > timeout

            sleep 5
        end
    end

    def http_code(path, key = nil)
        auth = key ? "-H 'Authorization: Bearer #{key}' " : ''
        @info[:vm].ssh("curl -sk -o /dev/null -w '%{http_code}' #{auth}https://localhost#{path}").stdout.strip
    end

    it 'bootstrap finishes (service status bootstrap_success)' do
        wait_for('bootstrap_success', 1200) do
            @info[:vm].ssh('cat /etc/one-appliance/status').stdout.strip == 'bootstrap_success'
        end
    end

    it 'check oneapps motd' do
        execution = @info[:vm].ssh('cat /etc/motd')
        expect(execution.exitstatus).to eq(0)
        expect(execution.stdout).to include('All set and ready to serve')
    end

    it 'the edge answers /readyz over HTTPS' do
        wait_for('/readyz 200', 600) { http_code('/readyz') == '200' }
    end

    it 'refuses the API without the key' do
        expect(http_code('/v1/models')).to eq('401')
    end

    it 'serves the API with the key from the context' do
        expect(http_code('/v1/models', APP_CONTEXT_PARAMS[:COPILOT_API_KEY])).to eq('200')
    end

    it 'the report shows the key and the endpoint' do
        report = @info[:vm].ssh('cat /etc/one-appliance/config').stdout
        expect(report).to include(APP_CONTEXT_PARAMS[:COPILOT_API_KEY])
        expect(report).to match(%r{https://[^ ]+/v1})
    end
end
